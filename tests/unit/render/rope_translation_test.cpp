#include "attn/render/rope_translation.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using attn::RopeLibrary;
using attn::RopeStyle;

namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "render_rope_translations: the example, each library, the careful scores, the permutation") {
  const attn::RopeExample e = attn::rope_example({4, 100.0, RopeStyle::half, 2});
  const std::vector<attn::RopeTranslation> t{attn::translate_rope(e, RopeLibrary::hf),
                                             attn::translate_rope(e, RopeLibrary::meta)};
  const std::string text = attn::render_rope_translations(e, t, attn::NumberStyle{4});
  CHECK(contains(text, "Rotary embedding, half pairing, d = 4, base 100: in each library\n"));
  CHECK(contains(text,
                 "\nHugging Face transformers (apply_rotary_pos_emb with rotate_half)\n"
                 "    from transformers.models.llama.modeling_llama import"));
  CHECK(contains(text, "  ✓ gives attn's half rotation\n"));
  CHECK(contains(text, "  ✓ gives attn's half rotation (through the reordering)\n"));
  CHECK(contains(text, "    half (attn's, this code)"));
  CHECK(contains(text, "to_half = [0, 2, 1, 3]"));
  CHECK(contains(text, "  ✓ q and k reordered by to_half"));
  // scores(0, 0) = q·k unrotated = Σ sin(t + 1)cos(2t + 1) = −0.9761 (tests/cli/rope.t)
  CHECK(contains(text, "m=0  -0.9761"));
}

TEST_CASE("rope_translations_to_json: the example and each translation") {
  const attn::RopeExample e = attn::rope_example({2, 10000.0, RopeStyle::interleaved, 2});
  const std::vector<attn::RopeTranslation> t{attn::translate_rope(e, RopeLibrary::gptj)};
  const nlohmann::ordered_json j = attn::rope_translations_to_json(e, t);
  CHECK(j.at("style").get<std::string>() == "interleaved");
  CHECK(j.at("other_style").get<std::string>() == "half");
  CHECK(j.at("dim").get<int>() == 2);
  CHECK(j.at("to_half").get<std::vector<std::size_t>>() == std::vector<std::size_t>{0, 1});
  CHECK(j.at("q_rotated").size() == 2);
  const nlohmann::ordered_json& gptj = j.at("translations").at(0);
  CHECK(gptj.at("library").get<std::string>() == "gptj");
  CHECK(gptj.at("exact").get<bool>());
  CHECK(gptj.at("native").get<bool>());
  CHECK(j.at("to_half_weights").get<std::string>().starts_with("w.view(n_heads, d // 2, 2"));
}
