#include "core/infrastructure/build/content_key.hpp"

#include <git2.h>

namespace ryax::infra::build {

std::string
build_content_key(const domain::ActionVersion& action,
                  const std::string& fingerprint)
{
  // Length-prefixed fields: no two different triples give the same text.
  std::string text = "ryax-build-key-1\n";
  for (const std::string_view field : { std::string_view(action.tree_id),
                                        to_string(action.metadata.type),
                                        std::string_view(fingerprint) }) {
    text += std::to_string(field.size());
    text += ':';
    text += field;
    text += '\n';
  }
  // Some hash backends need libgit2's global state; keep it for good.
  static const int k_libgit2 = git_libgit2_init();
  (void)k_libgit2;
  git_oid oid;
  git_odb_hash(&oid, text.data(), text.size(), GIT_OBJECT_BLOB);
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof(hex), &oid);
  return hex;
}

} // namespace ryax::infra::build
