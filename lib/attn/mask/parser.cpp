#include "attn/mask/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"

namespace attn::detail {
namespace {

// A parameter as written, before its range is checked.
struct Number {
  std::string_view text;
  std::optional<std::int64_t> value;  // empty when beyond the range of int64
  std::size_t at = 0;                 // offset of the number in the expression
  char separator = ':';               // ':' or ',' before it
  std::size_t separator_at = 0;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool is_delimiter(char c) {
  return is_space(c) || std::string_view("&|!(),:").find(c) != std::string_view::npos;
}

// Recursive descent over the grammar in parser.hpp.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  NodePtr parse() {
    skip_space();
    if (done()) throw error("the expression is empty", std::string(syntax_line()));
    NodePtr root = parse_or(0);
    skip_space();
    if (!done()) throw unexpected_after_expression();
    return root;
  }

 private:
  NodePtr parse_or(std::size_t depth) {
    std::vector<NodePtr> operands{parse_and(depth)};
    while (accept('|')) operands.push_back(parse_and(depth));
    return combine<Or>(std::move(operands));
  }

  NodePtr parse_and(std::size_t depth) {
    std::vector<NodePtr> operands{parse_unary(depth)};
    while (accept('&')) operands.push_back(parse_unary(depth));
    return combine<And>(std::move(operands));
  }

  NodePtr parse_unary(std::size_t depth) {
    skip_space();
    if (done()) {
      throw error(fmt::format("missing an atom after '{}' at column {}", text_[last_operator_],
                              column(last_operator_)),
                  std::string(syntax_line()));
    }
    const std::size_t at = pos_;
    const char c = text_[pos_];
    if (c != '!' && c != '(') {
      if (is_delimiter(c)) {
        throw error(fmt::format("expected an atom at column {}, found '{}'", column(at), c),
                    std::string(syntax_line()));
      }
      return parse_atom();
    }
    if (depth == max_nesting) {
      throw error(fmt::format("the expression nests ( and ! more than {} deep (at column {})",
                              max_nesting, column(at)));
    }
    last_operator_ = pos_++;
    if (c == '!') return make_not(parse_unary(depth + 1));
    NodePtr inner = parse_or(depth + 1);
    skip_space();
    if (done()) {
      throw error(
          fmt::format("unbalanced parenthesis: '(' at column {} is never closed", column(at)));
    }
    if (text_[pos_] != ')') throw unexpected_after_expression();
    ++pos_;
    return inner;
  }

  NodePtr parse_atom() {
    const std::size_t at = pos_;
    const std::string_view name = read_word();
    const AtomSpec* spec = find_spec(name);
    if (spec == nullptr) throw unknown_atom(name, at);
    Atom atom{spec->kind, parse_args(*spec, at), {}};
    if (atom.kind == AtomKind::document) atom.segment_extent = segment_extents(atom.args);
    return make_node(std::move(atom));
  }

  // The numbers after `name:`, checked against the atom's form and ranges.
  std::vector<std::int64_t> parse_args(const AtomSpec& spec, std::size_t name_at) {
    skip_space();
    const bool has_colon = !done() && text_[pos_] == ':';
    if (spec.params == Params::none) {
      if (has_colon) {
        throw error(fmt::format("{} takes no parameter (at column {})", spec.name, column(pos_)));
      }
      return {};
    }
    if (!has_colon) throw needs_parameter(spec, name_at);
    const std::vector<Number> numbers = read_numbers(spec, name_at);
    check_form(spec, numbers, name_at);
    std::vector<std::int64_t> args;
    for (std::size_t k = 0; k < numbers.size(); ++k) {
      const ParamSpec& param = (spec.params == Params::pair && k == 1) ? spec.second : spec.first;
      args.push_back(checked_value(spec, param, numbers[k]));
    }
    return args;
  }

  // number ((',' | ':') number)*, starting at the ':' after the name.
  std::vector<Number> read_numbers(const AtomSpec& spec, std::size_t name_at) {
    std::vector<Number> numbers;
    char separator = ':';
    std::size_t separator_at = pos_++;
    for (;;) {
      skip_space();
      const std::size_t at = pos_;
      const std::string_view word = read_word();
      if (word.empty() && numbers.empty()) throw needs_parameter(spec, name_at);
      if (word.empty()) {
        throw error(fmt::format("missing a number after '{}' at column {}", separator,
                                column(separator_at)));
      }
      numbers.push_back({word, to_integer(spec, word, at), at, separator, separator_at});
      skip_space();
      if (done() || (text_[pos_] != ',' && text_[pos_] != ':')) return numbers;
      separator = text_[pos_];
      separator_at = pos_++;
    }
  }

  // How many numbers the atom takes, and what separates them.
  void check_form(const AtomSpec& spec, const std::vector<Number>& numbers,
                  std::size_t name_at) const {
    if (spec.params == Params::one && numbers.size() > 1) {
      throw error(fmt::format("{} takes one number, as in {}:3 (at column {})", spec.name,
                              spec.name, column(numbers[1].separator_at)));
    }
    if (spec.params == Params::list) {
      for (std::size_t k = 1; k < numbers.size(); ++k) {
        if (numbers[k].separator != ',') {
          throw error(fmt::format("{} separates its numbers with ',' (at column {})", spec.name,
                                  column(numbers[k].separator_at)));
        }
      }
    }
    if (spec.params == Params::pair) {
      if (numbers.size() < 2) throw needs_parameter(spec, name_at);
      if (numbers[1].separator != ':') {
        throw error(
            fmt::format("{} separates its width and step with ':', as in {}:2:2 (at "
                        "column {})",
                        spec.name, spec.name, column(numbers[1].separator_at)));
      }
      if (numbers.size() > 2) {
        throw error(fmt::format("{} takes two numbers, as in {}:2:2 (at column {})", spec.name,
                                spec.name, column(numbers[2].separator_at)));
      }
    }
  }

  // The whole word as a decimal integer (std::from_chars: no locale, no '+', no spaces).
  std::optional<std::int64_t> to_integer(const AtomSpec& spec, std::string_view word,
                                         std::size_t at) const {
    std::int64_t value = 0;
    const char* end = word.data() + word.size();
    const auto [ptr, ec] = std::from_chars(word.data(), end, value);
    if (ec == std::errc::result_out_of_range && ptr == end) return std::nullopt;
    if (ec != std::errc{} || ptr != end) {
      throw error(fmt::format("bad number '{}' at column {}: {} needs {}", word, column(at),
                              spec.name, spec.needs));
    }
    return value;
  }

  std::int64_t checked_value(const AtomSpec& spec, const ParamSpec& param,
                             const Number& number) const {
    if (!number.value || *number.value < param.least || *number.value > max_parameter) {
      throw error(fmt::format("{} {} must be from {} to {}, got {} (at column {})", spec.name,
                              param.name, param.least, max_parameter, number.text,
                              column(number.at)));
    }
    return *number.value;
  }

  Error needs_parameter(const AtomSpec& spec, std::size_t name_at) const {
    return error(fmt::format("{} needs {} (at column {})", spec.name, spec.needs, column(name_at)));
  }

  Error unknown_atom(std::string_view name, std::size_t at) const {
    std::string message = fmt::format("unknown atom '{}' at column {}", name, column(at));
    if (const auto guess = nearest(name, atom_names())) {
      message += fmt::format(" (did you mean '{}'?)", *guess);
    }
    return error(message, std::string(syntax_line()));
  }

  // Something other than an operator where a complete (sub)expression has ended.
  Error unexpected_after_expression() const {
    if (text_[pos_] == ')') {
      return error(fmt::format("unbalanced parenthesis: ')' at column {} has no matching '('",
                               column(pos_)));
    }
    std::string_view token = text_.substr(pos_);
    token = token.substr(0, is_delimiter(token[0]) ? 1 : word_length(token));
    return error(fmt::format("unexpected '{}' at column {}; join atoms with '&' or '|'", token,
                             column(pos_)));
  }

  static Error error(const std::string& message, std::string hint = {}) {
    return usage_error("--mask: " + message, std::move(hint));
  }

  static std::size_t word_length(std::string_view rest) {
    const auto it = std::ranges::find_if(rest, is_delimiter);
    return static_cast<std::size_t>(it - rest.begin());
  }

  std::string_view read_word() {
    const std::string_view word = text_.substr(pos_, word_length(text_.substr(pos_)));
    pos_ += word.size();
    return word;
  }

  bool accept(char op) {
    skip_space();
    if (done() || text_[pos_] != op) return false;
    last_operator_ = pos_++;
    return true;
  }

  void skip_space() {
    while (!done() && is_space(text_[pos_])) ++pos_;
  }
  bool done() const { return pos_ == text_.size(); }

  // 1-based, counting UTF-8 characters rather than bytes.
  std::size_t column(std::size_t offset) const {
    const auto starts_character = [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    };
    return 1 + static_cast<std::size_t>(
                   std::count_if(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(offset),
                                 starts_character));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t last_operator_ = 0;  // offset of the last &, |, ! or ( consumed
};

}  // namespace

NodePtr parse_tree(std::string_view text) {
  return Parser(text).parse();
}

}  // namespace attn::detail
