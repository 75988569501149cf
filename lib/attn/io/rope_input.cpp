#include "attn/io/rope_input.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"
#include "attn/io/parse.hpp"

namespace attn {
namespace {

using nlohmann::json;

// Whole numbers exactly representable in a double, the largest position attn accepts.
constexpr double kMaxPosition = 9007199254740992.0;  // 2^53

std::vector<std::int64_t> whole_numbers(const Matrix& m, std::string_view what) {
  if (m.rows() != 1)
    throw data_error(fmt::format("{} must be one row of positions, not {}", what, shape_string(m)));
  std::vector<std::int64_t> out;
  for (std::size_t j = 0; j < m.cols(); ++j) {
    const double x = m(0, j);
    if (x != std::floor(x) || std::abs(x) > kMaxPosition)
      throw data_error(fmt::format("{}[{}] is {}, not a whole number", what, j, x),
                       "positions are token indices: 0, 1, 2, …");
    out.push_back(static_cast<std::int64_t>(x));
  }
  return out;
}

std::optional<RopeStyle> style_of(std::string_view text) {
  if (text == "half") return RopeStyle::half;
  if (text == "interleaved") return RopeStyle::interleaved;
  return std::nullopt;
}

// The document's "rope" object applied to o.
void apply_document(const json& spec, RopeOptions& o) {
  static constexpr std::array<std::string_view, 6> kKeys{"base",  "style",       "dim",
                                                         "scale", "q_positions", "k_positions"};
  for (const auto& [key, value] : spec.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      const auto guess = nearest(key, std::vector<std::string_view>(kKeys.begin(), kKeys.end()));
      throw data_error(fmt::format("input.rope has an unknown key \"{}\"", key),
                       guess ? fmt::format("did you mean \"{}\"?", *guess)
                             : "the keys are base, style, dim, scale, q_positions, k_positions");
    }
    const std::string what = "input.rope." + key;
    if (key == "style") {
      const auto style = value.is_string() ? style_of(value.get<std::string>()) : std::nullopt;
      if (!style)
        throw data_error(
            fmt::format("{} must be \"half\" or \"interleaved\", not {}", what, value.dump()));
      o.style = *style;
    } else if (key == "dim") {
      if (!value.is_number_unsigned())
        throw data_error(fmt::format("{} must be a whole number, not {}", what, value.dump()));
      o.dim = value.get<std::size_t>();
    } else if (key == "base" || key == "scale") {
      if (!value.is_number())
        throw data_error(fmt::format("{} must be a number, not {}", what, value.dump()));
      (key == "base" ? o.base : o.scale) = value.get<double>();
    } else {
      (key == "q_positions" ? o.q_positions : o.k_positions) =
          whole_numbers(matrix_from_json(value, what), what);
    }
  }
}

}  // namespace

std::optional<RopeOptions> load_rope(const RopeArgs& a, const json& doc) {
  const auto it = doc.find("rope");
  const bool in_doc = it != doc.end() && !it->is_null() && !(it->is_boolean() && !it->get<bool>());
  if (!a.enabled && !in_doc) {
    const std::pair<bool, const char*> flags[] = {{a.base.has_value(), "--rope-base"},
                                                  {a.style.has_value(), "--rope-style"},
                                                  {a.dim.has_value(), "--rope-dim"},
                                                  {a.scale.has_value(), "--rope-scale"},
                                                  {a.q_positions.has_value(), "--q-positions"},
                                                  {a.k_positions.has_value(), "--k-positions"}};
    for (const auto& [given, name] : flags)
      if (given)
        throw usage_error(fmt::format("{} needs --rope", name),
                          "add --rope to rotate q and k by their positions");
    return std::nullopt;
  }
  RopeOptions o;
  if (in_doc) {
    if (it->is_object())
      apply_document(*it, o);
    else if (!it->is_boolean())
      throw data_error(fmt::format("input.rope must be true or an object, not {}", it->dump()),
                       R"(write "rope": true or "rope": {"base": 10000, "style": "half"})");
  }
  if (a.base) o.base = *a.base;
  if (a.style) o.style = *a.style;
  if (a.dim) o.dim = *a.dim;
  if (a.scale) o.scale = *a.scale;
  if (a.q_positions)
    o.q_positions = whole_numbers(parse_matrix(*a.q_positions, "--q-positions"), "--q-positions");
  if (a.k_positions)
    o.k_positions = whole_numbers(parse_matrix(*a.k_positions, "--k-positions"), "--k-positions");
  return o;
}

std::optional<RopeOptions> load_rope(const RopeArgs& args) {
  return load_rope(args, json::object());
}

}  // namespace attn
