#include "attn/mask/library.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"

namespace attn {
namespace {

struct LibraryInfo {
  Library id;
  std::string_view name;
  std::string_view title;
};

constexpr std::array<LibraryInfo, 7> library_info{{
    {Library::torch_sdpa, "torch-sdpa",
     "PyTorch SDPA (torch.nn.functional.scaled_dot_product_attention)"},
    {Library::torch_mha, "torch-mha", "PyTorch nn.MultiheadAttention"},
    {Library::flash_attn, "flash-attn", "flash-attn (flash_attn_func)"},
    {Library::hf, "hf", "Hugging Face transformers (masking_utils)"},
    {Library::xformers, "xformers", "xformers (xformers.ops.fmha.attn_bias)"},
    {Library::flex, "flex", "FlexAttention / attention-gym (mask_mod)"},
    {Library::d2l, "d2l", "d2l (masked_softmax with valid_lens)"},
}};

constexpr std::array<Library, 7> library_order{
    Library::torch_sdpa, Library::torch_mha, Library::flash_attn, Library::hf,
    Library::xformers,   Library::flex,      Library::d2l};

struct Alias {
  std::string_view name;
  Library id;
};
constexpr std::array<Alias, 11> aliases{{
    {"torch-sdpa", Library::torch_sdpa},
    {"sdpa", Library::torch_sdpa},
    {"torch-mha", Library::torch_mha},
    {"mha", Library::torch_mha},
    {"flash-attn", Library::flash_attn},
    {"hf", Library::hf},
    {"transformers", Library::hf},
    {"xformers", Library::xformers},
    {"flex", Library::flex},
    {"flexattention", Library::flex},
    {"d2l", Library::d2l},
}};

constexpr auto accepted_names = [] {
  std::array<std::string_view, aliases.size() + 1> names{};
  for (std::size_t k = 0; k < aliases.size(); ++k) names[k] = aliases[k].name;
  names.back() = "all";
  return names;
}();

const LibraryInfo& info(Library lib) {
  return *std::ranges::find(library_info, lib, &LibraryInfo::id);
}

}  // namespace

std::span<const Library> all_libraries() {
  return library_order;
}

std::string_view library_name(Library lib) {
  return info(lib).name;
}

std::string_view library_title(Library lib) {
  return info(lib).title;
}

std::span<const std::string_view> library_names() {
  return accepted_names;
}

std::vector<Library> parse_libraries(std::string_view text) {
  if (text == "all") return {library_order.begin(), library_order.end()};
  const auto it = std::ranges::find(aliases, text, &Alias::name);
  if (it != aliases.end()) return {it->id};
  const auto guess = nearest(text, accepted_names);
  throw usage_error(
      fmt::format("--as: unknown library '{}'", text),
      guess ? fmt::format("did you mean '{}'?", *guess)
            : std::string("libraries: torch-sdpa (sdpa), torch-mha (mha), flash-attn, hf "
                          "(transformers), xformers, flex (flexattention), d2l, or all"));
}

}  // namespace attn
