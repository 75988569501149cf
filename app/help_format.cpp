// How --help is laid out: CLI11's layout (a name column, then the description), with three changes.
// Widths are counted in display columns, not bytes, so "--tokens T1,T2,…" lines up with the rest;
// every line is wrapped to the terminal's width (COLUMNS, else the terminal's, else 80); and "-h,
// --help" and a command list show one line per command.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "attn/render/color.hpp"
#include "attn/render/format.hpp"
#include "cli.hpp"

namespace attn::cli {
namespace {

// The narrowest a description column gets, however narrow the terminal: below this a wrapped
// description is harder to read than a long line.
constexpr std::size_t kMinDescription = 24;

// The words of `line` in lines of at most `width` display columns; a word longer than that has a
// line of its own.
std::vector<std::string> wrap_words(std::string_view line, std::size_t width) {
  std::vector<std::string> out;
  std::string current;
  std::size_t current_width = 0;
  std::size_t start = 0;
  while (start < line.size()) {
    if (line[start] == ' ') {
      ++start;
      continue;
    }
    const std::size_t end = std::min(line.find(' ', start), line.size());
    const std::string_view word = line.substr(start, end - start);
    const std::size_t w = display_width(word);
    if (!current.empty() && current_width + 1 + w > width) {
      out.push_back(std::move(current));
      current.clear();
      current_width = 0;
    }
    if (!current.empty()) {
      current += ' ';
      ++current_width;
    }
    current += word;
    current_width += w;
    start = end;
  }
  if (!current.empty() || out.empty()) out.push_back(std::move(current));
  return out;
}

// Running text wrapped at `width`. A line that starts with spaces (an example command, which must
// stay whole to be copied) is kept as it is.
std::string wrap_text(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    if (line.starts_with(' ') || display_width(line) <= width) {
      out += line;
    } else {
      const auto lines = wrap_words(line, width);
      for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
    }
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

// "  NAME   description": the description from column `indent`, wrapped at `width`; a name that
// reaches the column puts the description on the next line.
std::string two_columns(std::string_view name, std::string_view description, std::size_t indent,
                        std::size_t width) {
  std::string out = fmt::format("  {}", name);
  const std::size_t name_width = 2 + display_width(name);
  if (description.empty()) return out + "\n";
  if (name_width >= indent)
    out += "\n" + std::string(indent, ' ');
  else
    out += std::string(indent - name_width, ' ');
  const std::size_t room = std::max(width > indent ? width - indent : 0, kMinDescription);
  bool first = true;
  std::size_t start = 0;
  while (start <= description.size()) {
    const std::size_t end = std::min(description.find('\n', start), description.size());
    for (const std::string& line : wrap_words(description.substr(start, end - start), room)) {
      if (!first) out += "\n" + std::string(indent, ' ');
      out += line;
      first = false;
    }
    start = end + 1;
  }
  return out + "\n";
}

class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option(const CLI::Option* opt, bool positional) const override {
    return two_columns(make_option_name(opt, positional) + make_option_opts(opt),
                       make_option_desc(opt), get_column_width(), width());
  }
  std::string make_option_name(const CLI::Option* opt, bool positional) const override {
    std::string name = CLI::Formatter::make_option_name(opt, positional);
    if (positional) return name;
    for (std::size_t at = name.find(','); at != std::string::npos; at = name.find(',', at + 2))
      name.insert(at + 1, " ");
    return name;
  }
  std::string make_subcommand(const CLI::App* sub) const override {
    const std::string& description = sub->get_description();
    return two_columns(sub->get_display_name(true), description.substr(0, description.find('\n')),
                       get_column_width(), width());
  }
  std::string make_description(const CLI::App* app) const override {
    return wrap_text(CLI::Formatter::make_description(app), width());
  }
  std::string make_footer(const CLI::App* app) const override {
    return wrap_text(CLI::Formatter::make_footer(app), width());
  }

 private:
  static std::size_t width() { return terminal_width(Stream::out, process_env()); }
};

}  // namespace

std::shared_ptr<CLI::Formatter> help_formatter() {
  return std::make_shared<HelpFormatter>();
}

}  // namespace attn::cli
