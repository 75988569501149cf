#include "attn/mask/translate_rope.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "attn/core/error.hpp"

using attn::Matrix;
using attn::RopeExample;
using attn::RopeLibrary;
using attn::RopeQuery;
using attn::RopeStyle;
using attn::RopeTranslation;

namespace {

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// One pair (x_a, x_b) against (y_a, y_b), x turned by angle a, y not: the pair's part of q·k.
double pair_score(double xa, double xb, double ya, double yb, double a) {
  return (xa * std::cos(a) - xb * std::sin(a)) * ya + (xa * std::sin(a) + xb * std::cos(a)) * yb;
}

}  // namespace

TEST_CASE("parse_rope_libraries: names, aliases, all, and a suggestion for a typo") {
  CHECK(attn::parse_rope_libraries("hf") == std::vector{RopeLibrary::hf});
  CHECK(attn::parse_rope_libraries("transformers") == std::vector{RopeLibrary::hf});
  CHECK(attn::parse_rope_libraries("gpt-j") == std::vector{RopeLibrary::gptj});
  CHECK(attn::parse_rope_libraries("meta") == std::vector{RopeLibrary::meta});
  CHECK(attn::parse_rope_libraries("all") == std::vector{RopeLibrary::hf, RopeLibrary::gptj,
                                                         RopeLibrary::flash_attn,
                                                         RopeLibrary::meta});
  CHECK(attn::rope_library_name(RopeLibrary::meta) == "llama");
  CHECK(attn::rope_library_names().back() == "all");
  try {
    attn::parse_rope_libraries("lama");
    FAIL("no error");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::usage);
    CHECK(contains(e.what(), "'lama'"));
    CHECK(contains(e.hint(), "llama"));
  }
}

TEST_CASE("rope_example: d = 2 has one pair, so both pairings agree") {
  const RopeExample e = attn::rope_example({2, 10000.0, RopeStyle::half, 3});
  CHECK(e.to_half == std::vector<std::size_t>{0, 1});
  CHECK(e.permutation_holds);
  // θ_0 = 1: q = (sin 1, sin 2) at m, k = (cos 1, cos 3) at n; the score turns by m − n.
  for (std::size_t m = 0; m < 3; ++m)
    for (std::size_t n = 0; n < 3; ++n) {
      const double a = static_cast<double>(m) - static_cast<double>(n);
      CHECK(e.scores(m, n) == doctest::Approx(pair_score(std::sin(1.0), std::sin(2.0),
                                                         std::cos(1.0), std::cos(3.0), a))
                                  .epsilon(1e-12));
      CHECK(e.other_scores(m, n) == doctest::Approx(e.scores(m, n)).epsilon(1e-12));
    }
}

// d = 4, base 100: θ = [1, 0.1]. q = (sin 1, sin 2, sin 3, sin 4), k = (cos 1, cos 3, cos 5, cos
// 7). half pairs dimensions (0, 2) and (1, 3); interleaved (0, 1) and (2, 3). q at 1 against k at
// 0.
TEST_CASE("rope_example: d = 4 by hand, both pairings, and the permutation") {
  const double s1 = std::sin(1.0), s2 = std::sin(2.0), s3 = std::sin(3.0), s4 = std::sin(4.0);
  const double c1 = std::cos(1.0), c3 = std::cos(3.0), c5 = std::cos(5.0), c7 = std::cos(7.0);
  const double half = pair_score(s1, s3, c1, c5, 1.0) + pair_score(s2, s4, c3, c7, 0.1);
  const double interleaved = pair_score(s1, s2, c1, c3, 1.0) + pair_score(s3, s4, c5, c7, 0.1);
  const RopeExample h = attn::rope_example({4, 100.0, RopeStyle::half, 4});
  const RopeExample i = attn::rope_example({4, 100.0, RopeStyle::interleaved, 4});
  CHECK(h.scores(1, 0) == doctest::Approx(half).epsilon(1e-12));
  CHECK(h.other_scores(1, 0) == doctest::Approx(interleaved).epsilon(1e-12));
  CHECK(i.scores(1, 0) == doctest::Approx(interleaved).epsilon(1e-12));
  CHECK(i.other_scores(1, 0) == doctest::Approx(half).epsilon(1e-12));
  CHECK(std::abs(half - interleaved) > 0.1);  // the careful example is a real difference
  // Relative positions: every diagonal holds one value; the main one is q·k unrotated.
  const double qk = s1 * c1 + s2 * c3 + s3 * c5 + s4 * c7;
  for (std::size_t m = 0; m < 4; ++m) {
    CHECK(h.scores(m, m) == doctest::Approx(qk).epsilon(1e-12));
    if (m > 0) CHECK(h.scores(m, m - 1) == doctest::Approx(half).epsilon(1e-12));
  }
  CHECK(h.to_half == std::vector<std::size_t>{0, 2, 1, 3});
  CHECK(h.permutation_holds);
  CHECK(attn::rope_example({8, 10000.0, RopeStyle::half, 4}).to_half ==
        std::vector<std::size_t>{0, 2, 4, 6, 1, 3, 5, 7});
  CHECK(attn::rope_example({8, 10000.0, RopeStyle::half, 4}).permutation_holds);
}

TEST_CASE("rope_example: bad dimensions, bases and lengths are usage errors") {
  for (const RopeQuery& q :
       {RopeQuery{3, 10000.0, RopeStyle::half, 4}, RopeQuery{0, 10000.0, RopeStyle::half, 4},
        RopeQuery{4, 1.0, RopeStyle::half, 4}, RopeQuery{4, std::nan(""), RopeStyle::half, 4},
        RopeQuery{4, 100.0, RopeStyle::half, 0}}) {
    CHECK_THROWS_AS(attn::rope_example(q), attn::Error);
  }
}

TEST_CASE("translate_rope: every library gives attn's rotation, natively or reordered") {
  for (RopeStyle style : {RopeStyle::half, RopeStyle::interleaved}) {
    const RopeExample e = attn::rope_example({6, 500.0, style, 5});
    for (RopeLibrary lib : attn::all_rope_libraries()) {
      CAPTURE(attn::rope_library_name(lib));
      CAPTURE(attn::rope_style_name(style));
      const RopeTranslation t = attn::translate_rope(e, lib);
      CHECK(t.exact);
      const bool half_library = lib == RopeLibrary::hf;
      const bool both = lib == RopeLibrary::flash_attn;
      CHECK(t.native == (both || half_library == (style == RopeStyle::half)));
      CHECK(contains(t.code, "L, d, base = 5, 6, 500.0"));
      CHECK(t.q_rotated.rows() == 5);
    }
  }
}

TEST_CASE("translate_rope: each library's spelling") {
  const RopeExample h = attn::rope_example({4, 10000.0, RopeStyle::half, 4});
  const RopeExample i = attn::rope_example({4, 10000.0, RopeStyle::interleaved, 4});
  const auto code = [](const RopeExample& e, RopeLibrary lib) {
    return attn::translate_rope(e, lib).code;
  };
  CHECK(contains(code(h, RopeLibrary::hf), "apply_rotary_pos_emb(q[None, None], k[None, None]"));
  CHECK(contains(code(h, RopeLibrary::hf), "torch.cat((freqs, freqs), dim=-1)"));
  CHECK_FALSE(contains(code(h, RopeLibrary::hf), "to_half"));
  CHECK(contains(code(i, RopeLibrary::hf), "q[:, to_half][None, None]"));
  CHECK(contains(code(i, RopeLibrary::hf), "q_rot[0, 0][:, back]"));
  CHECK(contains(code(i, RopeLibrary::gptj), "apply_rotary_pos_emb(q[None, :, None], sin, cos)"));
  CHECK(contains(code(h, RopeLibrary::gptj), "q[:, to_interleaved][None, :, None]"));
  CHECK(contains(code(h, RopeLibrary::flash_attn), "interleaved=False"));
  CHECK(contains(code(i, RopeLibrary::flash_attn), "interleaved=True"));
  CHECK(contains(code(i, RopeLibrary::meta), "precompute_freqs_cis(d, L, theta=base)"));
  CHECK(contains(code(h, RopeLibrary::meta), "to_interleaved"));
  // GPT-J's own table fixes the base at 10000.
  const auto gptj_notes = [](double base) {
    return attn::translate_rope(attn::rope_example({4, base, RopeStyle::interleaved, 2}),
                                RopeLibrary::gptj)
        .notes.size();
  };
  CHECK(gptj_notes(500000.0) == gptj_notes(10000.0) + 1);
  CHECK(contains(attn::translate_rope(h, RopeLibrary::flash_attn).careful, "interleaved=True"));
  CHECK(contains(attn::rope_permute_code(RopeStyle::half), "view(n_heads, d // 2, 2, dim_in)"));
  CHECK(contains(attn::rope_permute_code(RopeStyle::interleaved),
                 "view(n_heads, 2, d // 2, dim_in)"));
}
