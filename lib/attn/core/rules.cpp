#include "attn/core/rules.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

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

}  // namespace attn
