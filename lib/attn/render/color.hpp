// The one colour policy for everything attn prints, and the colours themselves.
//
// Whether a stream gets colour (no-color.org, CLICOLOR_FORCE/FORCE_COLOR), rules in order:
//   1. --color always | never wins;
//   2. NO_COLOR set and non-empty → off;
//   3. CLICOLOR_FORCE or FORCE_COLOR set and not "0" → on;
//   4. TERM=dumb → off;
//   5. on only when the stream is a terminal.
// How many colours: COLORTERM truecolor/24bit → 24-bit; TERM containing "256color" → the xterm
// 256-colour cube; else the 16 ANSI colours. fmt 9.1's color.h has no 256-colour escapes, so the
// SGR sequences are written here.
//
// Deciding is pure: the environment comes in as a lookup, so tests never touch the real one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace attn {

enum class ColorMode { automatic, always, never };

// "auto", "always", "never" (--color), in that order.
std::span<const std::string_view> color_mode_names();
std::optional<ColorMode> parse_color_mode(std::string_view text);

enum class ColorDepth { ansi16, xterm256, truecolor };

// The value of an environment variable, or nullopt when it is unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
// The process environment (std::getenv).
EnvLookup process_env();
// A fixed environment, for tests: every name not in `vars` is unset.
EnvLookup fixed_env(std::map<std::string, std::string, std::less<>> vars);

enum class Stream { out, err };
// isatty on stdout or stderr.
bool is_terminal(Stream stream);

// Columns to fit output into: COLUMNS when it is a positive number, else the terminal's width
// (TIOCGWINSZ) when the stream is one, else 80.
std::size_t terminal_width(Stream stream, const EnvLookup& env);

// Rules 1–5 above for one stream.
bool color_enabled(ColorMode mode, const EnvLookup& env, bool is_tty);
// From COLORTERM and TERM; meaningful only when colour is enabled.
ColorDepth color_depth(const EnvLookup& env);
// The first of LC_ALL, LC_CTYPE, LANG that is set and non-empty names a UTF-8 locale
// ("UTF-8"/"utf8" in any case). None set means the C locale: ASCII.
bool utf8_locale(const EnvLookup& env);

// Everything a renderer needs to know about the stream it writes to.
struct ColorChoice {
  bool enabled = false;
  ColorDepth depth = ColorDepth::ansi16;
  bool utf8 = true;  // may use "…", "·", "░▒▓█"; otherwise ASCII only
};

ColorChoice decide_color(ColorMode mode, const EnvLookup& env, bool is_tty);
// The same for the real stdout or stderr: process_env() and is_terminal(stream).
ColorChoice decide_color(ColorMode mode, Stream stream);

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

// "#21918c".
std::string hex(Rgb c);

// The nine viridis stops of matplotlib (CC0), #440154 … #FDE725, evenly spaced on [0, 1].
std::span<const Rgb> viridis_stops();
// Viridis at t, interpolated linearly between the stops and rounded; t is clamped to [0, 1] and
// NaN counts as 0.
Rgb viridis(double t);

// The nearest colour of the xterm 256-colour palette's 6×6×6 cube (16–231) or grey ramp
// (232–255), by squared distance in RGB. The 16 system colours are left out: themes redefine them.
int xterm256_index(Rgb c);
// The RGB value of palette entry 16–255 (cube levels 0, 95, 135, …, 255; greys 8, 18, …, 238).
Rgb xterm256_rgb(int index);

// The nearest of the 16 ANSI colours, taking xterm's default palette as their RGB values.
int ansi16_index(Rgb c);
Rgb ansi16_rgb(int index);
// Viridis for a 16-colour terminal: magenta, blue, cyan, green, bright green, bright yellow, a ramp
// in viridis's hue order. (The nearest-colour map sends most of viridis to grey, out of order.)
int viridis_ansi16(double t);

// WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white).
double relative_luminance(Rgb c);
// Black or white, whichever contrasts more with `background` (WCAG contrast ratio).
Rgb contrasting_text(Rgb background);

// What `c` looks like on a terminal of `depth` (the palette entry it is drawn with).
Rgb displayed(Rgb c, ColorDepth depth);

enum class Layer { foreground, background };
// The SGR escape that sets `c` at `depth`: ESC[38;2;r;g;bm, ESC[38;5;nm or ESC[3xm/ESC[9xm
// (48…, 4x, 10x for the background).
std::string sgr(Rgb c, ColorDepth depth, Layer layer);
// ANSI colour 0–15 directly.
std::string sgr_ansi16(int index, Layer layer);
inline constexpr std::string_view sgr_reset = "\x1b[0m";

}  // namespace attn
