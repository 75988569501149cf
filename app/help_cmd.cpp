// `attn help [TOPIC]`: the reference pages (lib/attn/help_topics.hpp), or a command's --help.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"
#include "attn/teach/help_topics.hpp"
#include "cli.hpp"
#include "commands.hpp"

namespace attn::cli {
namespace {

struct HelpOptions {
  std::string topic;  // empty: list the topics
};

std::vector<const CLI::App*> named_commands(const CLI::App& root) {
  return root.get_subcommands(
      [](const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); });
}

std::string topic_list(const CLI::App& root) {
  std::string text = "Help topics (attn help TOPIC):\n";
  for (const HelpTopic& t : help_topics()) text += fmt::format("  {:<12}{}\n", t.name, t.summary);
  text += "\nCommands (attn help COMMAND is the same as attn COMMAND --help):\n";
  const auto commands = named_commands(root);
  std::size_t width = 0;
  for (const CLI::App* c : commands) width = std::max(width, c->get_name().size());
  for (const CLI::App* c : commands)
    text +=
        fmt::format("  {:<{}}  {}\n", c->get_name(), width, first_sentence(c->get_description()));
  return text;
}

void run_help(const CLI::App& root, const HelpOptions& o) {
  if (o.topic.empty()) {
    print_result(topic_list(root));
    return;
  }
  if (const auto page = help_topic_text(o.topic)) {
    print_result(*page);
    return;
  }
  std::vector<std::string_view> names;
  for (const HelpTopic& t : help_topics()) names.push_back(t.name);
  for (const CLI::App* c : named_commands(root)) {
    if (c->get_name() == o.topic) {
      // Exactly what `attn COMMAND --help` prints: CLI11 formats it with the parent's name.
      print_result(c->help(root.get_name()));
      return;
    }
    names.push_back(c->get_name());
  }
  const auto guess = nearest(o.topic, names);
  throw usage_error(fmt::format("no help topic or command named '{}'", o.topic),
                    guess ? fmt::format("did you mean 'attn help {}'?", *guess)
                          : std::string("run 'attn help' for the list of topics"));
}

}  // namespace

void setup_help(CLI::App& app) {
  auto opts = std::make_shared<HelpOptions>();
  auto* cmd = app.add_subcommand(
      "help", describe("Reference pages: the mask language, the JSON contract, exit codes and "
                       "input formats; or a command's --help.",
                       {"attn help", "attn help masks", "attn help score"}));
  std::string topics;
  for (const HelpTopic& t : help_topics())
    topics += fmt::format("{}{}", topics.empty() ? "" : ", ", t.name);
  cmd->add_option("topic", opts->topic, fmt::format("{}, or a command", topics))
      ->type_name("TOPIC");
  const CLI::App* root = &app;
  cmd->callback([root, opts] { run_help(*root, *opts); });
}

}  // namespace attn::cli
