#include "attn/teach/secret.hpp"

#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "attn/core/error.hpp"
#include "attn/io/output_file.hpp"
#include "attn/io/parse.hpp"

namespace attn {
namespace {

std::uint64_t rotl(std::uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

std::uint64_t load_le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t x = 0;
  for (std::size_t i = 0; i < n; ++i) x |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return x;
}

// The message of a keyed seed or id: a tag, the class seed (8 bytes, little-endian), the name.
std::string message(std::string_view tag, std::uint64_t class_seed, std::string_view student) {
  std::string m(tag);
  m += '\0';
  for (int i = 0; i < 8; ++i) m += static_cast<char>((class_seed >> (8 * i)) & 0xff);
  m += student;
  return m;
}

std::span<const std::uint8_t, 16> seed_key(const ClassSecret& s) {
  return std::span<const std::uint8_t, 16>(s.bytes.data(), 16);
}

std::span<const std::uint8_t, 16> id_key(const ClassSecret& s) {
  return std::span<const std::uint8_t, 16>(s.bytes.data() + 16, 16);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::uint64_t siphash24(std::span<const std::uint8_t, 16> key, std::string_view message) {
  const std::uint64_t k0 = load_le(key.data(), 8), k1 = load_le(key.data() + 8, 8);
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1,
                v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  const auto round = [&] {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  };
  const auto* p = reinterpret_cast<const std::uint8_t*>(message.data());
  const std::size_t n = message.size();
  std::size_t at = 0;
  for (; at + 8 <= n; at += 8) {  // 2 compression rounds per 8-byte word
    const std::uint64_t m = load_le(p + at, 8);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  // The last word: the remaining bytes, and the message length mod 256 in the top byte.
  const std::uint64_t last = load_le(p + at, n - at) | (static_cast<std::uint64_t>(n & 0xff) << 56);
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) round();  // 4 finalisation rounds
  return v0 ^ v1 ^ v2 ^ v3;
}

ClassSecret new_class_secret() {
  ClassSecret s;
  std::size_t got = 0;
  while (got < s.bytes.size()) {
    const ssize_t n = ::getrandom(s.bytes.data() + got, s.bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw Error(Exit::io, fmt::format("cannot read the system's random source: {}",
                                        std::strerror(n < 0 ? errno : EIO)));
    got += static_cast<std::size_t>(n);
  }
  return s;
}

std::string class_secret_text(const ClassSecret& secret) {
  std::string out =
      "# attn class secret: keep it private. Sheets made with it can be keyed and graded only "
      "with it.\n";
  for (std::uint8_t b : secret.bytes) out += fmt::format("{:02x}", b);
  return out + "\n";
}

ClassSecret parse_class_secret(std::string_view text, std::string_view what) {
  const auto bad = [&](std::string_view why) {
    return data_error(fmt::format("{}: not an attn class secret: {}", what, why),
                      "make one with attn quiz --init-secret FILE");
  };
  std::optional<std::string_view> digits;
  std::size_t start = 0, number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    if (digits) throw bad(fmt::format("line {}: a second key line", number));
    if (line.size() != 64)
      throw bad(fmt::format("line {} holds {} characters, not 64 hexadecimal digits", number,
                            line.size()));
    digits = line;
  }
  if (!digits) throw bad("no line of 64 hexadecimal digits");
  ClassSecret s;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value((*digits)[2 * i]), lo = hex_value((*digits)[2 * i + 1]);
    if (hi < 0 || lo < 0) throw bad("the key must be hexadecimal digits (0-9, a-f)");
    s.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return s;
}

ClassSecret read_class_secret(const std::string& path) {
  return parse_class_secret(read_text(path, 4096), path);
}

bool readable_by_others(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return (st.st_mode & (S_IRWXG | S_IRWXO)) != 0;
}

void write_class_secret(const std::filesystem::path& path, const ClassSecret& secret) {
  std::error_code ec;
  if (std::filesystem::symlink_status(path, ec).type() != std::filesystem::file_type::not_found)
    throw Error(Exit::cant_create,
                fmt::format("'{}' already exists: a class secret is never replaced, since the "
                            "sheets made with it could no longer be graded",
                            path.string()),
                "choose another file name, or remove the old secret first");
  write_file_atomically(path, class_secret_text(secret),
                        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::optional<std::string> class_secret_path(const std::optional<std::string>& flag,
                                             const EnvLookup& env) {
  if (flag) return flag;
  if (auto v = env(class_secret_env); v && !v->empty()) return v;
  return std::nullopt;
}

std::uint64_t keyed_sheet_seed(const ClassSecret& secret, std::uint64_t class_seed,
                               std::string_view student) {
  return siphash24(seed_key(secret), message("attn-sheet-seed", class_seed, student)) >> 11;
}

std::string keyed_sheet_id(const ClassSecret& secret, std::uint64_t class_seed,
                           std::string_view student) {
  static constexpr std::string_view kDigits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::uint64_t h = siphash24(id_key(secret), message("attn-sheet-id", class_seed, student));
  std::string id;
  for (int n = 0; n < 8; ++n) {
    if (n == 4) id += '-';
    id += kDigits[h & 31];
    h >>= 5;
  }
  return id;
}

}  // namespace attn
