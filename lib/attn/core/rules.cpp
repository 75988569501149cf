#include "attn/core/rules.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>

#include "attn/core/error.hpp"

namespace attn {

double root_d_k(std::size_t d_k) {
  return std::sqrt(static_cast<double>(d_k));
}

double default_scale(std::size_t d_k) {
  return 1.0 / root_d_k(d_k);
}

void check_scale(double c) {
  if (!std::isfinite(c))
    throw data_error(fmt::format("the scale must be a finite number, not {}", c));
  if (c == 0.0)
    throw data_error("the scale is 0, which makes every score 0",
                     "use --no-scale for c = 1, or omit --scale for 1/√d_k");
}

double resolve_scale(const std::optional<double>& given, std::size_t d_k) {
  if (!given) return default_scale(d_k);
  check_scale(*given);
  return *given;
}

bool valid_softcap(double cap) {
  return std::isfinite(cap) && cap > 0.0;
}

void check_softcap(double cap, std::string_view what, Exit code) {
  if (!valid_softcap(cap))
    throw Error(code, fmt::format("{} must be a positive number, not {}", what, cap),
                "Gemma 2 uses a softcap of 50");
}

void check_key_width(std::size_t q_cols, std::size_t k_cols) {
  if (q_cols != k_cols)
    throw data_error(
        fmt::format("k has {} values per row but q has {} (d_k must match)", k_cols, q_cols),
        "q is n_q×d_k and k is n_k×d_k: give both the same number of columns");
}

void check_value_rows(std::size_t v_rows, std::size_t n_k) {
  if (v_rows != n_k)
    throw data_error(
        fmt::format("v has {} rows but there are {} keys (v needs one row per key)", v_rows, n_k));
}

AttentionDims check_shapes(std::size_t q_rows, std::size_t q_cols, std::size_t k_rows,
                           std::size_t k_cols, std::size_t v_rows, std::size_t v_cols) {
  check_key_width(q_cols, k_cols);
  check_value_rows(v_rows, k_rows);
  return {q_rows, k_rows, q_cols, v_cols};
}

void check_not_empty(std::string_view operand, std::size_t values, std::string_view where,
                     std::string_view shape) {
  if (values > 0) return;
  const std::string_view hint = operand == "q"   ? "give at least one query vector"
                                : operand == "k" ? "give at least one key vector"
                                : operand == "v" ? "give one value vector per key"
                                                 : "give at least one value";
  const std::string prefix = where.empty() ? std::string() : fmt::format("{}: ", where);
  const std::string suffix = shape.empty() ? std::string() : fmt::format(" ({})", shape);
  throw data_error(fmt::format("{}{} is empty{}", prefix, operand, suffix), std::string(hint));
}

double empty_row_weight(EmptyRows policy, std::size_t n_k) {
  switch (policy) {
    case EmptyRows::nan:
      return std::numeric_limits<double>::quiet_NaN();
    case EmptyRows::uniform:
      return 1.0 / static_cast<double>(n_k);
    case EmptyRows::zero:
    case EmptyRows::error:
      break;
  }
  return 0.0;
}

std::string_view empty_row_outcome(EmptyRows policy) {
  switch (policy) {
    case EmptyRows::zero:
      return "zero weights and output";
    case EmptyRows::nan:
      return "NaN weights and output";
    case EmptyRows::uniform:
      return "uniform weights";
    case EmptyRows::error:
      break;
  }
  return "";
}

std::string_view empty_row_output(EmptyRows policy) {
  switch (policy) {
    case EmptyRows::zero:
      return "output 0";
    case EmptyRows::nan:
      return "output NaN";
    case EmptyRows::uniform:
      return "output the mean of v";
    case EmptyRows::error:
      break;
  }
  return "refused";
}

std::string row_list(std::span<const std::size_t> rows) {
  constexpr std::size_t shown = 10;
  if (rows.size() <= shown) return fmt::format("{}", fmt::join(rows, ", "));
  return fmt::format("{}, … ({} rows)", fmt::join(rows.first(shown), ", "), rows.size());
}

void check_empty_rows(std::span<const std::size_t> rows, EmptyRows policy) {
  if (policy != EmptyRows::error || rows.empty()) return;
  const bool many = rows.size() > 1;
  throw data_error(
      fmt::format("row{} {} of the scores {} every key blocked, so softmax is undefined",
                  many ? "s" : "", row_list(rows), many ? "have" : "has"),
      "use --empty-rows zero|nan|uniform to choose what such rows get");
}

void check_shown_cells(std::size_t n_q, std::size_t n_k, bool force, std::string_view what,
                       std::string_view verb) {
  // n_q, n_k ≤ 10^9 each (the atoms' limit), so the product fits in 64 bits
  const std::size_t cells = n_q * n_k;
  if (cells <= max_shown_cells || force) return;
  throw usage_error(fmt::format("the {} would have {}×{} = {} cells, more than {}", what, n_q, n_k,
                                cells, max_shown_cells),
                    fmt::format("add --force to {} it anyway, or use smaller --n/--m", verb));
}

// ---- Memory ------------------------------------------------------------------------------------

namespace {

constexpr std::size_t kUnknown = std::numeric_limits<std::size_t>::max();

// The whole of a small text file (/proc, /sys), or empty.
std::string read_small(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "MemAvailable:   123456 kB" → 123456 × 1024.
std::size_t meminfo_bytes(const std::string& meminfo, std::string_view key) {
  const auto at = meminfo.find(std::string(key) + ":");
  if (at == std::string::npos) return kUnknown;
  std::istringstream line(meminfo.substr(at + key.size() + 1));
  std::size_t kb = 0;
  if (!(line >> kb)) return kUnknown;
  return bytes_times(kb, 1024);
}

std::size_t number_in(const std::string& text) {
  std::istringstream in(text);
  std::size_t n = 0;
  if (!(in >> n)) return kUnknown;  // "max", or nothing
  return n;
}

// What a limit leaves beside what is used already.
std::size_t left_under(std::size_t limit, std::size_t used) {
  if (limit == kUnknown) return kUnknown;
  if (used == kUnknown) return limit;
  return used >= limit ? 0 : limit - used;
}

// What the cgroup (v2) this process runs in still allows.
std::size_t cgroup_left() {
  const std::string cgroup = read_small("/proc/self/cgroup");  // "0::/user.slice/…"
  const auto at = cgroup.find("0::");
  if (at == std::string::npos) return kUnknown;
  std::string path = cgroup.substr(at + 3);
  path = path.substr(0, path.find('\n'));
  const std::string dir = "/sys/fs/cgroup" + (path == "/" ? std::string() : path);
  return left_under(number_in(read_small(dir + "/memory.max")),
                    number_in(read_small(dir + "/memory.current")));
}

std::size_t rlimit_bytes(int resource) {
  struct rlimit r {};
  if (::getrlimit(resource, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return kUnknown;
  return static_cast<std::size_t>(r.rlim_cur);
}

// Bytes mapped now (the first field of /proc/self/statm, in pages).
std::size_t mapped_bytes() {
  const std::size_t pages = number_in(read_small("/proc/self/statm"));
  const long page = ::sysconf(_SC_PAGESIZE);
  return pages == kUnknown || page <= 0 ? kUnknown
                                        : bytes_times(pages, static_cast<std::size_t>(page));
}

struct LastRequest {
  std::mutex lock;
  std::string what;
  std::size_t bytes = 0;
};

LastRequest& last_request() {
  static LastRequest r;
  return r;
}

}  // namespace

std::size_t bytes_times(std::size_t a, std::size_t b) {
  if (a != 0 && b > kUnknown / a) return kUnknown;
  return a * b;
}

std::string byte_size_text(std::size_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes >= 1'000'000'000'000) return fmt::format("{:.1f} TB", b / 1e12);
  if (bytes >= 1'000'000'000) return fmt::format("{:.1f} GB", b / 1e9);
  if (bytes >= 1'000'000) return fmt::format("{:.0f} MB", b / 1e6);
  if (bytes >= 1'000) return fmt::format("{:.0f} kB", b / 1e3);
  return fmt::format("{} bytes", bytes);
}

std::optional<std::size_t> available_memory() {
  std::size_t least = kUnknown;
  const auto consider = [&](std::size_t bytes) { least = std::min(least, bytes); };
  consider(left_under(rlimit_bytes(RLIMIT_AS), mapped_bytes()));
  consider(rlimit_bytes(RLIMIT_DATA));
  consider(cgroup_left());
  const std::string meminfo = read_small("/proc/meminfo");
  const std::size_t available = meminfo_bytes(meminfo, "MemAvailable");
  const std::size_t swap = meminfo_bytes(meminfo, "SwapFree");
  if (available != kUnknown) consider(swap == kUnknown ? available : available + swap);
  if (least == kUnknown) return std::nullopt;
  return least;
}

void check_memory(std::size_t bytes, std::string_view what) {
  {
    LastRequest& last = last_request();
    const std::lock_guard hold(last.lock);
    last.what = what;
    last.bytes = bytes;
  }
  const auto available = available_memory();
  if (!available || bytes <= *available) return;
  throw data_error(
      fmt::format("{} needs {}, more than the {} available", what,
                  bytes == kUnknown ? "more memory than can be counted" : byte_size_text(bytes),
                  byte_size_text(*available)),
      "ask for less (smaller sizes, fewer outputs), or run where more memory is free");
}

Error out_of_memory_error() {
  LastRequest& last = last_request();
  const std::lock_guard hold(last.lock);
  if (last.what.empty())
    return data_error("out of memory: the input needs more memory than is available",
                      "ask for less, or run where more memory is free");
  return data_error(
      fmt::format("out of memory: {} needs {}", last.what, byte_size_text(last.bytes)),
      "ask for less (smaller sizes, fewer outputs), or run where more memory is free");
}

}  // namespace attn
