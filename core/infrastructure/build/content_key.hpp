#pragma once

#include "core/domain/catalogue.hpp"

#include <string>

namespace ryax::infra::build {

// The content key of a build: a stable 40-digit lower-case hex digest
// (SHA-1, computed by libgit2) of the action's tree_id, its type and
// `fingerprint` (ActionBuilder::toolchain_fingerprint). Two builds with the
// same key produce interchangeable bundles.
std::string build_content_key(const domain::ActionVersion& action,
                              const std::string& fingerprint);

} // namespace ryax::infra::build
