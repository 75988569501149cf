#include "attn/core/bias.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>
#include <system_error>

#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/core/suggest.hpp"

namespace attn {

namespace {

// 2^(−a/c) for a power of two c. When c divides a the power is an integer and ldexp is exact;
// otherwise the fractional part of the exponent is exact in double (a division by a power of two),
// so exp2 rounds only once.
double exp2_neg_ratio(std::size_t a, std::size_t c) {
  const int whole = static_cast<int>(a / c);
  if (a % c == 0) return std::ldexp(1.0, -whole);
  const double fraction = static_cast<double>(a % c) / static_cast<double>(c);
  return std::ldexp(std::exp2(-fraction), -whole);
}

// |r| without overflow for INT64_MIN.
std::uint64_t magnitude(std::int64_t r) {
  return r < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(r) : static_cast<std::uint64_t>(r);
}

// Rounds to IEEE single precision. For + − × ÷ of floats, computing in double and rounding once
// gives exactly the float result (double has more than 2·24 + 2 bits), so this reproduces float32
// arithmetic whatever the platform evaluates float expressions in.
float f32(double x) {
  return static_cast<float>(x);
}

// The bucket of relative position r = j − p; options already checked.
int t5_bucket_checked(std::int64_t r, const T5Options& o) {
  int nb = o.num_buckets;  // buckets for this direction
  int start = 0;
  std::uint64_t n = 0;  // distance, ≥ 0
  if (o.bidirectional) {
    nb /= 2;
    if (r > 0) start = nb;  // keys after the query use the upper half
    n = magnitude(r);
  } else {
    n = r < 0 ? magnitude(r) : 0;  // keys after the query all share bucket 0
  }
  const int max_exact = nb / 2;  // half the buckets are exact distances 0 … max_exact − 1
  if (n < static_cast<std::uint64_t>(max_exact)) return start + static_cast<int>(n);
  // From max_distance on, the logarithmic term below is at least nb − max_exact − 1 even after
  // float32 rounding, so min() always yields nb − 1; answering directly also keeps huge n away from
  // the float-to-int conversion.
  if (n >= static_cast<std::uint64_t>(o.max_distance)) return start + nb - 1;
  // The other half grow logarithmically up to max_distance. Hugging Face (and Mesh TensorFlow
  // before it) evaluates this in float32 and truncates:
  //   max_exact + (torch.log(n.float() / max_exact)
  //                / math.log(max_distance / max_exact) * (nb − max_exact)).to(torch.long)
  // The value is an exact integer at some distances (bidirectional defaults: n = 16, 32, 64, …),
  // where double and float32 can round to opposite sides. With the default 32 buckets and distance
  // 128 both agree everywhere; in other configurations they do not (e.g. causal, 10 buckets,
  // distance 160, n = 10: float32 gives exactly 1.0 → bucket 6, double 0.99999… → bucket 5). So
  // every step is rounded to float32 as in Hugging Face, with a correctly rounded logarithm.
  const float ratio = f32(static_cast<double>(static_cast<float>(n)) / max_exact);
  const float log_ratio = f32(std::log(static_cast<double>(ratio)));
  // math.log(...) is a Python double; the tensor kernel converts it to float32.
  const float log_range = f32(std::log(static_cast<double>(o.max_distance) / max_exact));
  const float fraction = f32(static_cast<double>(log_ratio) / static_cast<double>(log_range));
  const float scaled = f32(static_cast<double>(fraction) * (nb - max_exact));
  const int large = max_exact + static_cast<int>(scaled);  // truncation; scaled ≥ 0, so floor
  return start + std::min(large, nb - 1);
}

void check_finite_table(std::string_view who, std::span<const double> table) {
  for (std::size_t k = 0; k < table.size(); ++k)
    if (!std::isfinite(table[k]))
      throw data_error(
          fmt::format("{}: table[{}] is {}; bias values must be finite", who, k, table[k]));
}

}  // namespace

// ---- ALiBi
// ---------------------------------------------------------------------------------------

std::vector<double> alibi_slopes(std::size_t heads) {
  if (heads < 1 || heads > max_alibi_heads)
    throw usage_error(
        fmt::format("alibi: heads must be between 1 and {}, got {}", max_alibi_heads, heads));
  const std::size_t c = std::bit_floor(heads);  // c = 2^⌊log2 heads⌋
  std::vector<double> slopes;
  slopes.reserve(heads);
  for (std::size_t h = 1; h <= c; ++h) slopes.push_back(exp2_neg_ratio(8 * h, c));  // 2^(−8h/c)
  for (std::size_t k = 1; k <= heads - c; ++k)
    slopes.push_back(exp2_neg_ratio(4 * (2 * k - 1), c));  // 2^(−4(2k−1)/c)
  return slopes;
}

namespace {
void check_alibi_slope(double slope) {
  if (!std::isfinite(slope) || slope < 0)
    throw usage_error(fmt::format("alibi: slope must be finite and ≥ 0, got {}", slope));
}
}  // namespace

Matrix alibi_bias(const Geometry& g, double slope) {
  check_alibi_slope(slope);
  Matrix b(g.n_q, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i) {
    const std::int64_t p = g.position(i);
    // m·(j − p) rather than −m·(p − j): the same number, but +0 rather than −0 on the diagonal.
    for (std::size_t j = 0; j < g.n_k; ++j)
      b(i, j) = slope * static_cast<double>(static_cast<std::int64_t>(j) - p);
  }
  return b;
}

Matrix alibi_symmetric_bias(const Geometry& g, double slope) {
  check_alibi_slope(slope);
  Matrix b(g.n_q, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i) {
    const std::int64_t p = g.position(i);
    // m·(−|p − j|): −|0| is the integer 0, so the diagonal is +0 rather than −0.
    for (std::size_t j = 0; j < g.n_k; ++j)
      b(i, j) = slope * static_cast<double>(-std::abs(p - static_cast<std::int64_t>(j)));
  }
  return b;
}

// ---- T5
// ------------------------------------------------------------------------------------------

void check_t5_options(const T5Options& o) {
  const int least = o.bidirectional ? 4 : 2;  // so that max_exact ≥ 1 in each direction
  if (o.num_buckets < least)
    throw usage_error(fmt::format("t5: num_buckets must be at least {} for {} buckets, got {}",
                                  least, o.bidirectional ? "bidirectional" : "causal",
                                  o.num_buckets));
  if (o.num_buckets > max_t5_buckets)
    throw usage_error(
        fmt::format("t5: num_buckets must be at most {}, got {}", max_t5_buckets, o.num_buckets));
  if (o.num_buckets % 2 != 0)
    throw usage_error(fmt::format("t5: num_buckets must be even, got {}", o.num_buckets));
  const int max_exact = o.bidirectional ? o.num_buckets / 4 : o.num_buckets / 2;
  if (o.max_distance <= max_exact)
    throw usage_error(fmt::format("t5: max_distance must be greater than max_exact = {}, got {}",
                                  max_exact, o.max_distance),
                      "max_exact is num_buckets/4 for bidirectional buckets, num_buckets/2 for "
                      "causal ones");
}

int t5_bucket(std::int64_t relative, bool bidirectional, int num_buckets, int max_distance) {
  const T5Options options{bidirectional, num_buckets, max_distance};
  check_t5_options(options);
  return t5_bucket_checked(relative, options);
}

Matrix t5_buckets(const Geometry& g, const T5Options& options) {
  check_t5_options(options);
  Matrix buckets(g.n_q, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i) {
    const std::int64_t p = g.position(i);
    for (std::size_t j = 0; j < g.n_k; ++j)
      buckets(i, j) = t5_bucket_checked(static_cast<std::int64_t>(j) - p, options);
  }
  return buckets;
}

Matrix t5_bias(const Geometry& g, const T5Options& options, std::span<const double> table) {
  check_t5_options(options);
  if (table.size() != static_cast<std::size_t>(options.num_buckets))
    throw data_error(fmt::format("t5: the bias table has {} values but there are {} buckets",
                                 table.size(), options.num_buckets));
  check_finite_table("t5", table);
  Matrix b(g.n_q, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i) {
    const std::int64_t p = g.position(i);
    for (std::size_t j = 0; j < g.n_k; ++j) {
      const int bucket = t5_bucket_checked(static_cast<std::int64_t>(j) - p, options);
      b(i, j) = table[static_cast<std::size_t>(bucket)];
    }
  }
  return b;
}

// ---- Clipped relative positions
// ------------------------------------------------------------------

Matrix relative_bias(const Geometry& g, std::span<const double> table, std::int64_t max_distance) {
  const std::int64_t k = max_distance;
  if (k < 0) throw usage_error(fmt::format("relative: K must be ≥ 0, got {}", k));
  const std::uint64_t needed = 2 * static_cast<std::uint64_t>(k) + 1;  // fits: k ≤ INT64_MAX
  if (table.size() != needed)
    throw data_error(fmt::format("relative: K = {} needs 2K+1 = {} table values, got {}", k, needed,
                                 table.size()));
  check_finite_table("relative", table);
  Matrix b(g.n_q, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i) {
    const std::int64_t p = g.position(i);
    for (std::size_t j = 0; j < g.n_k; ++j) {
      const std::int64_t d = std::clamp(static_cast<std::int64_t>(j) - p, -k, k);
      b(i, j) = table[static_cast<std::size_t>(d + k)];
    }
  }
  return b;
}

// ---- Soft capping
// --------------------------------------------------------------------------------

namespace {
double softcap_checked(double beta, double cap) {
  // tanh(±∞) = ±1 would turn a blocked −∞ into −cap, a finite score: infinities (and NaN) pass.
  if (!std::isfinite(beta)) return beta;
  return cap * std::tanh(beta / cap);
}
}  // namespace

double softcap(double beta, double cap) {
  check_softcap(cap);
  return softcap_checked(beta, cap);
}

Matrix softcap(const Matrix& scores, double cap) {
  check_softcap(cap);
  Matrix capped = scores;
  for (double& beta : capped.values()) beta = softcap_checked(beta, cap);
  return capped;
}

bool parse_softcap_order(std::string_view text, std::string_view what, Exit code) {
  if (text == "bias-first") return false;
  if (text == "cap-first") return true;
  constexpr std::array<std::string_view, 2> orders{"bias-first", "cap-first"};
  const std::optional<std::string> guess = nearest(text, orders);
  throw Error(code, fmt::format("{}: expected bias-first or cap-first, got '{}'", what, text),
              guess ? fmt::format("did you mean '{}'?", *guess)
                    : std::string("bias-first caps c·s + b (the default); cap-first caps c·s and "
                                  "adds b after, as flash-attn does"));
}

// ---- The CLI's --bias value
// ----------------------------------------------------------------------

namespace {

constexpr std::string_view bias_forms =
    "expected alibi, alibi:SLOPE, alibi:symmetric[:SLOPE], t5, t5:causal or relative:V,V,… "
    "(2K+1 values)";

// A number in `token` (spaces around it allowed), which starts at 1-based `column` of the value.
double parse_number(std::string_view token, std::size_t column, std::string_view what) {
  const std::size_t first = token.find_first_not_of(' ');
  if (first == std::string_view::npos)
    throw usage_error(fmt::format("--bias: missing {} at column {}", what, column),
                      std::string(bias_forms));
  token = token.substr(first, token.find_last_not_of(' ') - first + 1);
  column += first;
  std::string_view digits = token;
  // from_chars takes no '+'; allow one before a digit or a point.
  if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+')
    digits.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range)
    throw usage_error(
        fmt::format("--bias: {} '{}' at column {} is out of range", what, token, column));
  if (ec != std::errc{} || end != digits.data() + digits.size())
    throw usage_error(
        fmt::format("--bias: {} '{}' at column {} is not a number", what, token, column));
  if (!std::isfinite(value))
    throw usage_error(
        fmt::format("--bias: {} '{}' at column {} must be finite", what, token, column));
  return value;
}

}  // namespace

BiasSpec parse_bias_spec(std::string_view text) {
  if (text.empty()) throw usage_error("--bias: empty value", std::string(bias_forms));
  const std::size_t colon = text.find(':');
  const bool has_argument = colon != std::string_view::npos;
  const std::string_view kind = text.substr(0, colon);
  const std::string_view argument = has_argument ? text.substr(colon + 1) : std::string_view{};
  // 1-based column where the argument starts (or would start, just after the kind).
  const std::size_t column = has_argument ? colon + 2 : text.size() + 1;

  BiasSpec spec;
  if (kind == "alibi") {
    spec.kind = BiasKind::alibi;
    if (!has_argument) return spec;
    std::string_view slope_text = argument;
    std::size_t slope_column = column;
    // The form comes first: alibi:symmetric or alibi:symmetric:SLOPE. A word close to it is a
    // typo for it; any other word is read as a slope, and refused as one.
    const std::size_t colon2 = argument.find(':');
    const std::string_view form = argument.substr(0, colon2);
    constexpr std::array<std::string_view, 1> forms{"symmetric"};
    if (form == forms[0]) {
      spec.symmetric = true;
      if (colon2 == std::string_view::npos) return spec;
      slope_text = argument.substr(colon2 + 1);
      slope_column = column + colon2 + 1;
    } else if (const std::optional<std::string> guess = nearest(form, forms);
               guess && !form.empty() && std::isalpha(static_cast<unsigned char>(form[0]))) {
      throw usage_error(fmt::format("--bias: unknown alibi form '{}' at column {}", form, column),
                        fmt::format("did you mean '{}'?", *guess));
    }
    const double slope = parse_number(slope_text, slope_column, "slope");
    if (slope < 0)
      throw usage_error(
          fmt::format("--bias: slope at column {} must be ≥ 0, got {}", slope_column, slope));
    spec.slope = slope;
    return spec;
  }
  if (kind == "t5") {
    spec.kind = BiasKind::t5;
    if (!has_argument) return spec;
    if (argument == "causal") {
      spec.t5.bidirectional = false;
      return spec;
    }
    constexpr std::array<std::string_view, 1> modes{"causal"};
    const std::optional<std::string> guess = nearest(argument, modes);
    throw usage_error(fmt::format("--bias: unknown t5 mode '{}' at column {}", argument, column),
                      guess ? fmt::format("did you mean '{}'?", *guess)
                            : std::string("the only mode is causal; plain t5 is bidirectional"));
  }
  if (kind == "relative") {
    spec.kind = BiasKind::relative;
    if (argument.empty())
      throw usage_error(fmt::format("--bias: missing table for relative at column {}", column),
                        "write relative:V,V,… with 2K+1 values, for distances −K … K");
    std::size_t start = 0;  // of the current value within argument
    while (true) {
      const std::size_t comma = argument.find(',', start);
      const std::string_view token = argument.substr(start, comma - start);
      spec.table.push_back(parse_number(token, column + start, "table value"));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (spec.table.size() % 2 == 0)
      throw usage_error(
          fmt::format("--bias: the relative table at column {} has {} values; it needs an odd "
                      "number, 2K+1",
                      column, spec.table.size()),
          "the values are for distances −K … K, e.g. relative:-1,0,1 for K = 1");
    spec.max_distance = static_cast<std::int64_t>((spec.table.size() - 1) / 2);
    return spec;
  }
  constexpr std::array<std::string_view, 3> kinds{"alibi", "t5", "relative"};
  const std::optional<std::string> guess = nearest(kind, kinds);
  throw usage_error(fmt::format("--bias: unknown kind '{}' at column 1", kind),
                    guess ? fmt::format("did you mean '{}'?", *guess) : std::string(bias_forms));
}

}  // namespace attn
