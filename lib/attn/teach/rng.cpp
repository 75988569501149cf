#include "attn/teach/rng.hpp"

#include <cmath>
#include <limits>

namespace attn {

std::int64_t SeededRng::uniform_int(std::int64_t lo, std::int64_t hi) {
  if (hi < lo) std::swap(lo, hi);
  const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  if (range == 0) return static_cast<std::int64_t>(next());  // the whole 64-bit range
  // Accept only draws below the largest multiple of `range`, so every residue is equally likely.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % range;
  std::uint64_t x = next();
  while (x >= limit) x = next();
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + x % range);
}

std::size_t SeededRng::index(std::size_t n) {
  return static_cast<std::size_t>(uniform_int(0, static_cast<std::int64_t>(n) - 1));
}

double SeededRng::uniform01() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double SeededRng::normal() {
  if (spare_) {
    const double z = *spare_;
    spare_.reset();
    return z;
  }
  // Marsaglia's polar form of Box–Muller: a point (u, v) uniform in the unit disc gives two
  // independent normals with one log and one square root, and no sin or cos.
  double u = 0, v = 0, s = 0;
  do {
    u = 2.0 * uniform01() - 1.0;
    v = 2.0 * uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double m = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * m;
  return u * m;
}

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t student_seed(std::uint64_t class_seed, std::string_view student) {
  // SplitMix64's finaliser (Steele, Lea & Flood 2014), then 53 bits so that JSON readers which
  // hold numbers as doubles (JavaScript) read the seed exactly.
  std::uint64_t z = class_seed ^ fnv1a64(student);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z >> 11;
}

}  // namespace attn
