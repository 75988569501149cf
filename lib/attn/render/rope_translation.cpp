#include "attn/render/rope_translation.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <sstream>

#include "attn/render/json.hpp"

namespace attn {
namespace {

std::string_view other_name(RopeStyle s) {
  return rope_style_name(s == RopeStyle::half ? RopeStyle::interleaved : RopeStyle::half);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Two score tables next to each other under their titles.
std::string side_by_side(const std::string& left_title, const Matrix& left,
                         const std::string& right_title, const Matrix& right,
                         const NumberStyle& number) {
  TableStyle style;
  style.number = number;
  style.indent = "";
  style.row_labels = index_labels("m=", left.rows());
  style.col_labels = index_labels("n=", left.cols());
  const std::vector<std::string> a = lines_of(format_table(left, style));
  style.row_labels.clear();
  const std::vector<std::string> b = lines_of(format_table(right, style));
  std::size_t width = display_width(left_title);
  for (const std::string& line : a) width = std::max(width, display_width(line));
  const auto pad = [&](const std::string& s) {
    return s + std::string(width - std::min(width, display_width(s)) + 4, ' ');
  };
  std::string out = "    " + pad(left_title) + right_title + "\n";
  for (std::size_t r = 0; r < std::max(a.size(), b.size()); ++r)
    out += "    " + pad(r < a.size() ? a[r] : "") + (r < b.size() ? b[r] : "") + "\n";
  return out;
}

std::string indented(const std::string& code) {
  std::string out;
  for (const std::string& line : lines_of(code)) out += "    " + line + "\n";
  return out;
}

}  // namespace

std::string render_rope_translations(const RopeExample& e,
                                     const std::vector<RopeTranslation>& translations,
                                     const NumberStyle& number) {
  const RopeQuery& q = e.query;
  const std::string_view chosen = rope_style_name(q.style);
  std::string out = fmt::format(
      "Rotary embedding, {} pairing, d = {}, base {}: in each library\n"
      "Checked on q_t = sin(t + 1) and k_t = cos(2t + 1) at every position 0 … {}; q_m·k_n of "
      "the rotated vectors:\n",
      chosen, q.dim, format_number(q.base, number), q.positions - 1);
  TableStyle style;
  style.number = number;
  style.indent = "    ";
  style.row_labels = index_labels("m=", e.scores.rows());
  style.col_labels = index_labels("n=", e.scores.cols());
  out += format_table(e.scores, style);
  for (const RopeTranslation& t : translations) {
    out += fmt::format("\n{}\n", rope_library_title(t.library));
    out += indented(t.code);
    out += t.exact ? fmt::format("  ✓ gives attn's {} rotation{}\n", chosen,
                                 t.native ? "" : " (through the reordering)")
                   : fmt::format("  ✗ does not give attn's {} rotation\n", chosen);
    for (const std::string& note : t.notes) out += fmt::format("  note: {}\n", note);
    out += fmt::format("  ✗ careful: {}:\n", t.careful);
    out += side_by_side(fmt::format("{} (attn's, this code)", chosen), e.scores,
                        std::string(other_name(q.style)), e.other_scores, number);
  }
  out += fmt::format(
      "\nConverting a checkpoint between the pairings (per head of d = {} dimensions)\n"
      "  half dimension u is interleaved dimension to_half[u], to_half = [{}]\n"
      "  interleaved → half, on each of wq's and wk's heads (not wv's), as Hugging Face's\n"
      "  convert_llama_weights_to_hf.py permute does:\n"
      "    {}\n"
      "  half → interleaved, the inverse:\n"
      "    {}\n"
      "  {} q and k reordered by to_half and rotated in the half pairing give the interleaved "
      "scores\n",
      q.dim, fmt::join(e.to_half, ", "), rope_permute_code(RopeStyle::half),
      rope_permute_code(RopeStyle::interleaved), e.permutation_holds ? "✓" : "✗");
  return out;
}

nlohmann::ordered_json rope_translations_to_json(const RopeExample& e,
                                                 const std::vector<RopeTranslation>& translations) {
  nlohmann::ordered_json out{{"style", rope_style_name(e.query.style)},
                             {"dim", e.query.dim},
                             {"base", e.query.base},
                             {"positions", e.query.positions},
                             {"q", matrix_to_json(e.q)},
                             {"k", matrix_to_json(e.k)},
                             {"q_rotated", matrix_to_json(e.q_rotated)},
                             {"k_rotated", matrix_to_json(e.k_rotated)},
                             {"scores", matrix_to_json(e.scores)},
                             {"other_style", other_name(e.query.style)},
                             {"other_scores", matrix_to_json(e.other_scores)},
                             {"to_half", e.to_half},
                             {"permutation_holds", e.permutation_holds},
                             {"to_half_weights", rope_permute_code(RopeStyle::half)},
                             {"to_interleaved_weights", rope_permute_code(RopeStyle::interleaved)}};
  auto list = nlohmann::ordered_json::array();
  for (const RopeTranslation& t : translations)
    list.push_back({{"library", rope_library_name(t.library)},
                    {"code", t.code},
                    {"exact", t.exact},
                    {"native", t.native},
                    {"q_rotated", matrix_to_json(t.q_rotated)},
                    {"k_rotated", matrix_to_json(t.k_rotated)},
                    {"notes", t.notes},
                    {"careful", t.careful}});
  out["translations"] = std::move(list);
  return out;
}

}  // namespace attn
