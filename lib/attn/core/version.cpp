#include "attn/core/version.hpp"

namespace attn {

std::string_view version() {
  return ATTN_VERSION;
}
std::string_view git_commit() {
  return ATTN_GIT_COMMIT;
}
std::string_view version_string() {
  return "attn " ATTN_VERSION " (" ATTN_GIT_COMMIT ")";
}

}  // namespace attn
