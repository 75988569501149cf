// The class secret: 32 random bytes that only the teacher has. Mixed into every student's seed
// with a keyed hash, it makes a sheet's numbers, and so its key, impossible to regenerate without
// it; sheets then carry a sheet id (another keyed hash) instead of their seed.
//
// The keyed hash is SipHash-2-4 (Aumasson & Bernstein 2012), a pseudorandom function of a 128-bit
// key: the first 16 bytes of the secret key the seeds, the last 16 the sheet ids, so an id says
// nothing about a seed. The file holds the 32 bytes as 64 hexadecimal digits on one line, after a
// comment line; it is made by `attn quiz --init-secret FILE` from the operating system's random
// source (getrandom) and written with mode 600.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "attn/render/color.hpp"

namespace attn {

// The environment variable that names the secret's file when --class-secret is not given.
inline constexpr std::string_view class_secret_env = "ATTN_CLASS_SECRET";

struct ClassSecret {
  std::array<std::uint8_t, 32> bytes{};
};

// SipHash-2-4 of `message` under the 16-byte `key`, as the reference implementation returns it
// (the 8 output bytes read little-endian).
std::uint64_t siphash24(std::span<const std::uint8_t, 16> key, std::string_view message);

// 32 bytes from getrandom(2). Throws Error(Exit::io) if the system cannot supply them.
ClassSecret new_class_secret();
// The file's text: a comment line, then 64 lowercase hexadecimal digits and a newline.
std::string class_secret_text(const ClassSecret& secret);
// Reads the file's text; `what` names it in errors. Anything but comment lines ('#'), blank lines
// and one line of 64 hexadecimal digits is a data error.
ClassSecret parse_class_secret(std::string_view text, std::string_view what);
// Reads the file (exit 66 when missing, 65 when malformed).
ClassSecret read_class_secret(const std::string& path);
// Whether the file may be read by its group or by others (its mode is not 600 or 400).
bool readable_by_others(const std::string& path);
// Writes a new secret to `path` with mode 600. An existing file is never replaced (sheets made
// with it could no longer be graded): exit 73.
void write_class_secret(const std::filesystem::path& path, const ClassSecret& secret);

// The file to read the secret from: the flag's value, else $ATTN_CLASS_SECRET when set and not
// empty, else none.
std::optional<std::string> class_secret_path(const std::optional<std::string>& flag,
                                             const EnvLookup& env);

// The seed of the sheet made for `student` (empty for the class's common sheet) from the class
// seed under the secret: 53 bits, like student_seed.
std::uint64_t keyed_sheet_seed(const ClassSecret& secret, std::uint64_t class_seed,
                               std::string_view student);
// The sheet's public id: 40 bits as 8 characters of Crockford's base 32 (no I, L, O or U),
// "7K3Q-M2XD".
std::string keyed_sheet_id(const ClassSecret& secret, std::uint64_t class_seed,
                           std::string_view student);

}  // namespace attn
