// `attn help TOPIC`: the reference pages that belong to no single command — the mask language,
// the JSON contract, the exit codes and the ways to write a matrix. Each page is built from the
// library's own tables where one exists (mask atoms, exit codes, evaluated example masks), so the
// page cannot drift from what attn does.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace attn {

struct HelpTopic {
  std::string_view name;     // "masks"
  std::string_view summary;  // one line, for `attn help` and shell completion
};

// masks, json, exit-codes, formats — in the order `attn help` lists them.
std::span<const HelpTopic> help_topics();

// The page for `name`, ending in a newline, or nullopt when no topic has that name.
std::optional<std::string> help_topic_text(std::string_view name);

// The example expressions the masks page explains; each one parses.
struct MaskExample {
  std::string_view expr;
  std::string_view meaning;
};
std::span<const MaskExample> mask_examples();

}  // namespace attn
