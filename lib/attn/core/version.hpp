// attn's version and the git commit it was built from.
#pragma once

#include <string_view>

namespace attn {

std::string_view version();         // "0.1.0"
std::string_view git_commit();      // short hash, or "unknown" outside a git checkout
std::string_view version_string();  // "attn 0.1.0 (1a2b3c4d5e6f)"

}  // namespace attn
