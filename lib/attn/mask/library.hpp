// The libraries the convention translator (`--as LIB`) speaks: their CLI names, aliases and
// headings.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace attn {

enum class Library { torch_sdpa, torch_mha, flash_attn, hf, xformers, flex, d2l };

// Every library, in the order `--as all` lists them.
std::span<const Library> all_libraries();
// The CLI name: torch-sdpa, torch-mha, flash-attn, hf, xformers, flex, d2l.
std::string_view library_name(Library lib);
// The heading: "PyTorch SDPA (F.scaled_dot_product_attention)", …
std::string_view library_title(Library lib);
// Names and aliases accepted by parse_libraries, for completion and "did you mean".
std::span<const std::string_view> library_names();

// `torch-sdpa`, an alias (sdpa, mha, transformers, flexattention), or `all`; case-sensitive.
// Throws usage_error naming the unknown word and the nearest name.
std::vector<Library> parse_libraries(std::string_view text);

}  // namespace attn
