#include "attn/render/color.hpp"

#include <doctest/doctest.h>

using attn::ColorDepth;
using attn::ColorMode;
using attn::fixed_env;
using attn::Rgb;

TEST_CASE("color_enabled: --color wins over everything") {
  const auto env = fixed_env({{"NO_COLOR", "1"}, {"TERM", "dumb"}});
  CHECK(attn::color_enabled(ColorMode::always, env, false));
  CHECK_FALSE(attn::color_enabled(ColorMode::never, fixed_env({{"FORCE_COLOR", "1"}}), true));
}

TEST_CASE("color_enabled: automatic follows NO_COLOR, then FORCE_COLOR, then TERM, then the tty") {
  const auto automatic = [](std::map<std::string, std::string, std::less<>> vars, bool tty) {
    return attn::color_enabled(ColorMode::automatic, fixed_env(std::move(vars)), tty);
  };
  CHECK(automatic({}, true));
  CHECK_FALSE(automatic({}, false));
  SUBCASE("NO_COLOR non-empty turns colour off, even with FORCE_COLOR") {
    CHECK_FALSE(automatic({{"NO_COLOR", "1"}}, true));
    CHECK_FALSE(automatic({{"NO_COLOR", "yes"}, {"FORCE_COLOR", "1"}}, true));
    CHECK(automatic({{"NO_COLOR", ""}}, true));  // empty counts as unset (no-color.org)
  }
  SUBCASE("CLICOLOR_FORCE or FORCE_COLOR set and not 0 turn colour on without a tty") {
    CHECK(automatic({{"CLICOLOR_FORCE", "1"}}, false));
    CHECK(automatic({{"FORCE_COLOR", "3"}}, false));
    CHECK(automatic({{"FORCE_COLOR", ""}}, false));
    CHECK_FALSE(automatic({{"FORCE_COLOR", "0"}}, false));
    CHECK_FALSE(automatic({{"CLICOLOR_FORCE", "0"}}, false));
    CHECK(automatic({{"FORCE_COLOR", "1"}, {"TERM", "dumb"}}, false));  // forced beats dumb
  }
  SUBCASE("TERM=dumb turns colour off on a tty") {
    CHECK_FALSE(automatic({{"TERM", "dumb"}}, true));
    CHECK(automatic({{"TERM", "xterm"}}, true));
  }
}

TEST_CASE("decide_color decides stdout and stderr separately") {
  const auto env = fixed_env({{"TERM", "xterm-256color"}, {"LANG", "en_GB.UTF-8"}});
  const auto out = attn::decide_color(ColorMode::automatic, env, true);
  const auto err = attn::decide_color(ColorMode::automatic, env, false);
  CHECK(out.enabled);
  CHECK_FALSE(err.enabled);
  CHECK(out.depth == ColorDepth::xterm256);
  CHECK(out.utf8);
}

TEST_CASE("color_depth from COLORTERM and TERM") {
  CHECK(attn::color_depth(fixed_env({{"COLORTERM", "truecolor"}})) == ColorDepth::truecolor);
  CHECK(attn::color_depth(fixed_env({{"COLORTERM", "24bit"}, {"TERM", "xterm"}})) ==
        ColorDepth::truecolor);
  CHECK(attn::color_depth(fixed_env({{"TERM", "screen-256color"}})) == ColorDepth::xterm256);
  CHECK(attn::color_depth(fixed_env({{"TERM", "xterm"}})) == ColorDepth::ansi16);
  CHECK(attn::color_depth(fixed_env({})) == ColorDepth::ansi16);
}

TEST_CASE("utf8_locale takes the first of LC_ALL, LC_CTYPE, LANG that is set") {
  CHECK(attn::utf8_locale(fixed_env({{"LANG", "en_US.UTF-8"}})));
  CHECK(attn::utf8_locale(fixed_env({{"LC_CTYPE", "C.utf8"}})));
  CHECK_FALSE(attn::utf8_locale(fixed_env({{"LC_ALL", "C"}, {"LANG", "en_US.UTF-8"}})));
  CHECK(attn::utf8_locale(fixed_env({{"LC_ALL", ""}, {"LANG", "de_DE.UTF-8"}})));
  CHECK_FALSE(attn::utf8_locale(fixed_env({})));  // the C locale
}

TEST_CASE("parse_color_mode reads --color's three words") {
  CHECK(attn::parse_color_mode("auto") == ColorMode::automatic);
  CHECK(attn::parse_color_mode("always") == ColorMode::always);
  CHECK(attn::parse_color_mode("never") == ColorMode::never);
  CHECK_FALSE(attn::parse_color_mode("sometimes"));
  CHECK(attn::color_mode_names().size() == 3);
}

TEST_CASE("viridis passes through its stops and interpolates linearly between them") {
  CHECK(attn::viridis(0.0) == Rgb{0x44, 0x01, 0x54});
  CHECK(attn::viridis(0.5) == Rgb{0x21, 0x91, 0x8C});  // stop 4 of 0…8
  CHECK(attn::viridis(1.0) == Rgb{0xFD, 0xE7, 0x25});
  CHECK(attn::viridis(0.125) == Rgb{0x47, 0x2D, 0x7B});
  // halfway between stops 0 and 1: (68+71)/2 = 69.5 → 70, (1+45)/2 = 23, (84+123)/2 = 103.5 → 104
  CHECK(attn::viridis(0.0625) == Rgb{70, 23, 104});
  CHECK(attn::viridis(-3.0) == attn::viridis(0.0));
  CHECK(attn::viridis(7.0) == attn::viridis(1.0));
  CHECK(attn::hex(attn::viridis(0.5)) == "#21918c");
}

TEST_CASE("xterm256_index picks the nearest cube or grey entry") {
  // #21918C = (33, 145, 140): levels 0 (33 < 47.5), 135, 135 → 16 + 36·0 + 6·2 + 2 = 30;
  // distance² to (0,135,135) = 33² + 10² + 5² = 1214; the nearest grey, 108, is 8018 away
  CHECK(attn::xterm256_index({33, 145, 140}) == 30);
  CHECK(attn::xterm256_rgb(30) == Rgb{0, 135, 135});
  // #FDE725 = (253, 231, 37): 255 (step 5), 215 (step 4, 16 away vs 24), 0 → 16 + 180 + 24 = 220
  CHECK(attn::xterm256_index({253, 231, 37}) == 220);
  // #440154 = (68, 1, 84): 95, 0, 95 → 16 + 36 + 1 = 53 (851 away; grey 48 is 3905 away)
  CHECK(attn::xterm256_index({68, 1, 84}) == 53);
  // mid grey 128 is grey ramp entry 232 + 12 exactly; the cube's 135 is 3·7² = 147 away
  CHECK(attn::xterm256_index({128, 128, 128}) == 244);
  CHECK(attn::xterm256_rgb(244) == Rgb{128, 128, 128});
  CHECK(attn::xterm256_index({0, 0, 0}) == 16);
  CHECK(attn::xterm256_index({255, 255, 255}) == 231);
}

TEST_CASE("ansi16: nearest palette colour and the viridis ramp") {
  CHECK(attn::ansi16_index({250, 10, 10}) == 9);  // bright red
  CHECK(attn::ansi16_index({0, 0, 0}) == 0);
  // #440154 = (68,1,84) is 11681 from black and 28341 from blue: nearest is black, one reason
  // the heatmap uses its own 16-colour ramp instead
  CHECK(attn::ansi16_index({0x44, 0x01, 0x54}) == 0);
  CHECK(attn::viridis_ansi16(0.0) == 5);
  CHECK(attn::viridis_ansi16(0.5) == 2);  // 0.5·6 = 3 → the fourth step, green
  CHECK(attn::viridis_ansi16(1.0) == 11);
}

TEST_CASE("contrasting_text picks black on light cells and white on dark ones") {
  CHECK(attn::contrasting_text(attn::viridis(1.0)) == Rgb{0, 0, 0});
  CHECK(attn::contrasting_text(attn::viridis(0.0)) == Rgb{255, 255, 255});
  // #21918C: L = 0.2126·0.0152 + 0.7152·0.2831 + 0.0722·0.2623 ≈ 0.225 > 0.179 → black
  CHECK(attn::relative_luminance({33, 145, 140}) == doctest::Approx(0.2247).epsilon(0.001));
  CHECK(attn::contrasting_text({33, 145, 140}) == Rgb{0, 0, 0});
  // #2C728E: L ≈ 0.145 < 0.179 → white
  CHECK(attn::contrasting_text({44, 114, 142}) == Rgb{255, 255, 255});
}

TEST_CASE("sgr writes 24-bit, 256-colour and 16-colour escapes") {
  const Rgb c{33, 145, 140};
  CHECK(attn::sgr(c, ColorDepth::truecolor, attn::Layer::background) == "\x1b[48;2;33;145;140m");
  CHECK(attn::sgr(c, ColorDepth::truecolor, attn::Layer::foreground) == "\x1b[38;2;33;145;140m");
  CHECK(attn::sgr(c, ColorDepth::xterm256, attn::Layer::background) == "\x1b[48;5;30m");
  CHECK(attn::sgr_ansi16(2, attn::Layer::foreground) == "\x1b[32m");
  CHECK(attn::sgr_ansi16(11, attn::Layer::background) == "\x1b[103m");
  CHECK(attn::sgr_ansi16(8, attn::Layer::foreground) == "\x1b[90m");
  CHECK(attn::displayed(c, ColorDepth::xterm256) == Rgb{0, 135, 135});
  CHECK(attn::displayed(c, ColorDepth::truecolor) == c);
}

TEST_CASE("terminal_width: COLUMNS when it is a positive number") {
  CHECK(attn::terminal_width(attn::Stream::out, fixed_env({{"COLUMNS", "132"}})) == 132);
  // not a number or 0: the terminal's own width, or 80 when the stream is not a terminal
  const auto fallback = attn::terminal_width(attn::Stream::out, fixed_env({{"COLUMNS", "wide"}}));
  CHECK(fallback > 0);
  CHECK(attn::terminal_width(attn::Stream::out, fixed_env({{"COLUMNS", "0"}})) == fallback);
}
