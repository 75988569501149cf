#include "attn/render/color.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace attn {
namespace {

constexpr std::array<std::string_view, 3> kModeNames{"auto", "always", "never"};

constexpr std::array<Rgb, 9> kViridis{{{0x44, 0x01, 0x54},
                                       {0x47, 0x2D, 0x7B},
                                       {0x3B, 0x52, 0x8B},
                                       {0x2C, 0x72, 0x8E},
                                       {0x21, 0x91, 0x8C},
                                       {0x28, 0xAE, 0x80},
                                       {0x5E, 0xC9, 0x62},
                                       {0xAD, 0xDC, 0x30},
                                       {0xFD, 0xE7, 0x25}}};

// xterm's default values for the 16 ANSI colours.
constexpr std::array<Rgb, 16> kAnsi16{{{0, 0, 0},
                                       {205, 0, 0},
                                       {0, 205, 0},
                                       {205, 205, 0},
                                       {0, 0, 238},
                                       {205, 0, 205},
                                       {0, 205, 205},
                                       {229, 229, 229},
                                       {127, 127, 127},
                                       {255, 0, 0},
                                       {0, 255, 0},
                                       {255, 255, 0},
                                       {92, 92, 255},
                                       {255, 0, 255},
                                       {0, 255, 255},
                                       {255, 255, 255}}};

constexpr std::array<int, 6> kCubeLevels{0, 95, 135, 175, 215, 255};

// Magenta, blue, cyan, green, bright green, bright yellow: viridis's hue order in 16 colours.
constexpr std::array<int, 6> kViridis16{5, 4, 6, 2, 10, 11};

int distance2(Rgb a, Rgb b) {
  const int dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
  return dr * dr + dg * dg + db * db;
}

bool set_and_not_zero(const std::optional<std::string>& v) {
  return v && *v != "0";
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::uint8_t channel(double x) {
  return static_cast<std::uint8_t>(std::clamp(std::lround(x), 0L, 255L));
}

// The cube index (0–5) of the level nearest v.
int cube_step(int v) {
  int best = 0;
  for (int i = 1; i < 6; ++i)
    if (std::abs(kCubeLevels[static_cast<std::size_t>(i)] - v) <
        std::abs(kCubeLevels[static_cast<std::size_t>(best)] - v))
      best = i;
  return best;
}

}  // namespace

std::span<const std::string_view> color_mode_names() {
  return kModeNames;
}

std::optional<ColorMode> parse_color_mode(std::string_view text) {
  if (text == "auto") return ColorMode::automatic;
  if (text == "always") return ColorMode::always;
  if (text == "never") return ColorMode::never;
  return std::nullopt;
}

EnvLookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

EnvLookup fixed_env(std::map<std::string, std::string, std::less<>> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

bool is_terminal(Stream stream) {
  return ::isatty(stream == Stream::out ? STDOUT_FILENO : STDERR_FILENO) == 1;
}

std::size_t terminal_width(Stream stream, const EnvLookup& env) {
  if (const auto columns = env("COLUMNS")) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(columns->data(), columns->data() + columns->size(), n);
    if (ec == std::errc() && end == columns->data() + columns->size() && n > 0) return n;
  }
  winsize ws{};
  const int fd = stream == Stream::out ? STDOUT_FILENO : STDERR_FILENO;
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

bool color_enabled(ColorMode mode, const EnvLookup& env, bool is_tty) {
  if (mode == ColorMode::always) return true;
  if (mode == ColorMode::never) return false;
  if (const auto no_color = env("NO_COLOR"); no_color && !no_color->empty()) return false;
  if (set_and_not_zero(env("CLICOLOR_FORCE")) || set_and_not_zero(env("FORCE_COLOR"))) return true;
  if (env("TERM") == "dumb") return false;
  return is_tty;
}

ColorDepth color_depth(const EnvLookup& env) {
  if (const auto ct = env("COLORTERM")) {
    const std::string v = lower(*ct);
    if (v == "truecolor" || v == "24bit") return ColorDepth::truecolor;
  }
  if (const auto term = env("TERM"); term && term->find("256color") != std::string::npos)
    return ColorDepth::xterm256;
  return ColorDepth::ansi16;
}

bool utf8_locale(const EnvLookup& env) {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const auto v = env(name);
    if (!v || v->empty()) continue;
    const std::string l = lower(*v);
    return l.find("utf-8") != std::string::npos || l.find("utf8") != std::string::npos;
  }
  return false;
}

ColorChoice decide_color(ColorMode mode, const EnvLookup& env, bool is_tty) {
  ColorChoice c;
  c.enabled = color_enabled(mode, env, is_tty);
  c.depth = color_depth(env);
  c.utf8 = utf8_locale(env);
  return c;
}

ColorChoice decide_color(ColorMode mode, Stream stream) {
  return decide_color(mode, process_env(), is_terminal(stream));
}

std::string hex(Rgb c) {
  return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
}

std::span<const Rgb> viridis_stops() {
  return kViridis;
}

Rgb viridis(double t) {
  if (std::isnan(t)) t = 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double pos = t * static_cast<double>(kViridis.size() - 1);  // 0 … 8
  const auto i = std::min(static_cast<std::size_t>(pos), kViridis.size() - 2);
  const double f = pos - static_cast<double>(i);
  const Rgb a = kViridis[i], b = kViridis[i + 1];
  const auto mix = [f](std::uint8_t x, std::uint8_t y) { return channel(x + (y - x) * f); };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

int xterm256_index(Rgb c) {
  const int r = cube_step(c.r), g = cube_step(c.g), b = cube_step(c.b);
  const int cube = 16 + 36 * r + 6 * g + b;
  // grey ramp: 232 + k is 8 + 10k, k = 0 … 23
  const int mean = (c.r + c.g + c.b) / 3;
  const int k = std::clamp(static_cast<int>(std::lround((mean - 8) / 10.0)), 0, 23);
  const int grey = 232 + k;
  return distance2(c, xterm256_rgb(grey)) < distance2(c, xterm256_rgb(cube)) ? grey : cube;
}

Rgb xterm256_rgb(int index) {
  if (index < 16) return ansi16_rgb(std::max(index, 0));
  if (index >= 232) {
    const auto v = static_cast<std::uint8_t>(8 + 10 * (std::min(index, 255) - 232));
    return {v, v, v};
  }
  const int n = index - 16;
  const auto level = [](int step) {
    return static_cast<std::uint8_t>(kCubeLevels[static_cast<std::size_t>(step)]);
  };
  return {level(n / 36), level(n / 6 % 6), level(n % 6)};
}

int ansi16_index(Rgb c) {
  int best = 0;
  for (int i = 1; i < 16; ++i)
    if (distance2(c, ansi16_rgb(i)) < distance2(c, ansi16_rgb(best))) best = i;
  return best;
}

Rgb ansi16_rgb(int index) {
  return kAnsi16[static_cast<std::size_t>(std::clamp(index, 0, 15))];
}

int viridis_ansi16(double t) {
  if (std::isnan(t)) t = 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const auto n = kViridis16.size();
  return kViridis16[std::min(static_cast<std::size_t>(t * static_cast<double>(n)), n - 1)];
}

double relative_luminance(Rgb c) {
  const auto linear = [](std::uint8_t v) {
    const double s = v / 255.0;
    return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
}

Rgb contrasting_text(Rgb background) {
  // contrast ratio (L1 + 0.05) / (L2 + 0.05): against black (L + 0.05) / 0.05, against white
  // 1.05 / (L + 0.05); black wins when L > √(1.05 · 0.05) − 0.05 ≈ 0.179
  const double l = relative_luminance(background);
  return (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? Rgb{0, 0, 0} : Rgb{255, 255, 255};
}

Rgb displayed(Rgb c, ColorDepth depth) {
  switch (depth) {
    case ColorDepth::truecolor:
      return c;
    case ColorDepth::xterm256:
      return xterm256_rgb(xterm256_index(c));
    case ColorDepth::ansi16:
      break;
  }
  return ansi16_rgb(ansi16_index(c));
}

std::string sgr(Rgb c, ColorDepth depth, Layer layer) {
  const int base = layer == Layer::foreground ? 38 : 48;
  switch (depth) {
    case ColorDepth::truecolor:
      return fmt::format("\x1b[{};2;{};{};{}m", base, c.r, c.g, c.b);
    case ColorDepth::xterm256:
      return fmt::format("\x1b[{};5;{}m", base, xterm256_index(c));
    case ColorDepth::ansi16:
      break;
  }
  return sgr_ansi16(ansi16_index(c), layer);
}

std::string sgr_ansi16(int index, Layer layer) {
  index = std::clamp(index, 0, 15);
  const int base = layer == Layer::foreground ? (index < 8 ? 30 : 90) : (index < 8 ? 40 : 100);
  return fmt::format("\x1b[{}m", base + index % 8);
}

}  // namespace attn
