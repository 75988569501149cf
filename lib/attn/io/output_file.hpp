// Writing an output file (an SVG, a LaTeX document) so that readers never see half of it.
#pragma once

#include <filesystem>
#include <string_view>

namespace attn {

// Writes `content` to a new file beside `path` (".NAME.PID.N.tmp", created exclusively with
// `mode` less the umask, so a private file is never readable by others, not even for a moment),
// then renames it over `path`: the file is either the old one or the whole
// new one. Throws attn::Error with Exit::cant_create naming the path when the file cannot be
// created or renamed into place (missing directory, no permission, a directory of that name), and
// Exit::io when writing fails part way; the temporary file is removed either way.
void write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           std::filesystem::perms mode = std::filesystem::perms(0666));

}  // namespace attn
