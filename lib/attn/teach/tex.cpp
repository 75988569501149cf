#include "attn/teach/tex.hpp"

#include <fmt/format.h>

#include <cctype>
#include <vector>

#include "attn/core/rules.hpp"
#include "attn/render/formats.hpp"

namespace attn {
namespace {

struct Segment {
  bool math = false;
  std::string_view text;
};

std::vector<Segment> split_markup(std::string_view markup) {
  std::vector<Segment> out;
  bool math = false;
  std::size_t start = 0;
  for (std::size_t n = 0; n <= markup.size(); ++n) {
    if (n == markup.size() || markup[n] == '$') {
      if (n > start) out.push_back({math, markup.substr(start, n - start)});
      math = !math;
      start = n + 1;
    }
  }
  return out;
}

struct Symbol {
  std::string_view name;
  std::string_view text;
};

constexpr Symbol kSymbols[] = {
    {"alpha", "α"}, {"beta", "β"},  {"delta", "δ"},  {"partial", "∂"}, {"cdot", "·"},
    {"times", "×"}, {"infty", "∞"}, {"le", "≤"},     {"ge", "≥"},      {"leq", "≤"},
    {"geq", "≥"},   {"sum", "Σ"},   {"ldots", "…"},  {"dots", "…"},    {"to", "→"},
    {"in", "∈"},    {"top", "ᵀ"},   {"max", "max"},  {"exp", "exp"},   {"log", "log"},
    {"ln", "ln"},   {"quad", "  "}, {"approx", "≈"}, {"neq", "≠"},     {"mid", "|"},
    {"sigma", "σ"}, {"lvert", "|"}, {"rvert", "|"},  {"min", "min"},   {"pm", "±"},
    {"lVert", "‖"}, {"rVert", "‖"}, {"theta", "θ"},  {"mapsto", "↦"},  {"pi", "π"},
    {"circ", "°"},  {"cos", "cos"}, {"sin", "sin"},
};

// LaTeX math → Unicode, for the subset the quiz writes.
class TexToText {
 public:
  explicit TexToText(std::string_view s) : s_(s) {}

  std::string run() {
    std::string out;
    while (n_ < s_.size()) out += next();
    return out;
  }

 private:
  std::string convert(std::string_view inner) { return TexToText(inner).run(); }

  // The argument of a command or of ^/_: a {group}, a \command or one character.
  std::string_view raw_arg() {
    while (n_ < s_.size() && s_[n_] == ' ') ++n_;
    if (n_ >= s_.size()) return {};
    if (s_[n_] == '{') {
      int depth = 0;
      const std::size_t start = n_ + 1;
      for (; n_ < s_.size(); ++n_) {
        if (s_[n_] == '{') ++depth;
        if (s_[n_] == '}' && --depth == 0) break;
      }
      const auto inner = s_.substr(start, n_ - start);
      ++n_;
      return inner;
    }
    const std::size_t start = n_;
    if (s_[n_] == '\\') {
      ++n_;
      while (n_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[n_]))) ++n_;
    } else {
      ++n_;
    }
    return s_.substr(start, n_ - start);
  }

  static bool simple(std::string_view t) {
    return t.find_first_of(" +-/()") == std::string_view::npos;
  }
  static std::string wrap(const std::string& t) { return simple(t) ? t : "(" + t + ")"; }

  std::string next() {
    const char c = s_[n_];
    if (c == '{' || c == '}') {
      ++n_;
      return {};
    }
    if (c == '^' || c == '_') {
      ++n_;
      const std::string_view arg = raw_arg();
      if (arg == "\\top") return "ᵀ";
      return std::string(1, c) + wrap(convert(arg));
    }
    if (c != '\\') {
      ++n_;
      return std::string(1, c);
    }
    ++n_;
    std::size_t start = n_;
    while (n_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[n_]))) ++n_;
    if (n_ == start && n_ < s_.size()) ++n_;  // \, \{ \}
    const std::string_view name = s_.substr(start, n_ - start);
    if (name == ",") return " ";
    if (name == "{" || name == "}") return std::string(name);
    if (name == "sqrt") return "√" + wrap(convert(raw_arg()));
    if (name == "frac") {
      const std::string a = convert(raw_arg());
      const std::string b = convert(raw_arg());
      return wrap(a) + "/" + wrap(b);
    }
    if (name == "mathrm" || name == "text" || name == "operatorname" || name == "mathit")
      return convert(raw_arg());
    for (const auto& sym : kSymbols)
      if (sym.name == name) return std::string(sym.text);
    return std::string(name);
  }

  std::string_view s_;
  std::size_t n_ = 0;
};

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string tex_to_text(std::string_view math) {
  return TexToText(math).run();
}

std::string markup_to_text(std::string_view markup) {
  std::string out;
  for (const auto& s : split_markup(markup))
    out += s.math ? TexToText(s.text).run() : std::string(s.text);
  return out;
}

std::string markup_to_markdown(std::string_view markup) {
  std::string out;
  for (const auto& s : split_markup(markup))
    out += s.math ? fmt::format("$`{}`$", s.text) : std::string(s.text);
  return out;
}

std::string markup_to_latex(std::string_view markup) {
  std::string out;
  for (const auto& s : split_markup(markup)) {
    if (!s.math) {
      out += latex_escape(s.text);
      continue;
    }
    // TeX never breaks a line after a comma in math: allow it, so long tuples wrap.
    std::string math;
    for (std::size_t n = 0; n < s.text.size(); ++n) {
      math += s.text[n];
      if (s.text[n] == ',' && n + 1 < s.text.size() && s.text[n + 1] == ' ') math += "\\allowbreak";
    }
    out += "$" + math + "$";
  }
  return out;
}

std::string markup_to_html(std::string_view markup) {
  std::string out;
  for (const auto& s : split_markup(markup))
    out += s.math ? fmt::format("\\({}\\)", html_escape(s.text)) : html_escape(s.text);
  return out;
}

std::string tex_num(double x, const NumberStyle& style) {
  if (x == neg_inf) return "-\\infty";
  return format_number(x, style);
}

std::string tex_factor(double x, const NumberStyle& style) {
  const std::string s = tex_num(x, style);
  return x < 0 ? "(" + s + ")" : s;
}

std::string tex_tuple(std::span<const double> row, const NumberStyle& style) {
  std::string out = "(";
  for (std::size_t j = 0; j < row.size(); ++j) out += (j ? ", " : "") + tex_num(row[j], style);
  return out + ")";
}

std::string tex_bmatrix(const Matrix& m, const NumberStyle& style) {
  std::string out = "\\begin{bmatrix} ";
  for (std::size_t i = 0; i < m.rows(); ++i) {
    if (i) out += " \\\\ ";
    for (std::size_t j = 0; j < m.cols(); ++j) out += (j ? " & " : "") + tex_num(m(i, j), style);
  }
  return out + " \\end{bmatrix}";
}

std::string tex_bmatrix(const BoolMatrix& m) {
  std::string out = "\\begin{bmatrix} ";
  for (std::size_t i = 0; i < m.rows(); ++i) {
    if (i) out += " \\\\ ";
    for (std::size_t j = 0; j < m.cols(); ++j)
      out += (j ? " & " : "") + std::string(m(i, j) ? "1" : "0");
  }
  return out + " \\end{bmatrix}";
}

std::string tex_applied_bmatrix(const BoolMatrix& m) {
  std::string out = "\\begin{bmatrix} ";
  for (std::size_t i = 0; i < m.rows(); ++i) {
    if (i) out += " \\\\ ";
    for (std::size_t j = 0; j < m.cols(); ++j)
      out += (j ? " & " : "") + std::string(m(i, j) ? "\\text{Score}" : "-\\infty");
  }
  return out + " \\end{bmatrix}";
}

std::string text_value(const Matrix& m, const NumberStyle& style) {
  const auto row = [&](std::size_t i) {
    std::string out = "[";
    for (std::size_t j = 0; j < m.cols(); ++j)
      out += (j ? ", " : "") + format_number(m(i, j), style);
    return out + "]";
  };
  if (m.size() == 1) return format_number(m(0, 0), style);
  if (m.rows() == 1) return row(0);
  std::string out = "[";
  for (std::size_t i = 0; i < m.rows(); ++i) out += (i ? ", " : "") + row(i);
  return out + "]";
}

}  // namespace attn
