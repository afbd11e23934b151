#pragma once

#include "core/application/ports/action_metadata_parser.hpp"
#include "core/application/ports/git_repository.hpp"
#include "core/domain/catalogue.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// One action directory read and validated, as `ryax repo scan` and `ryax
// action lint` see it.
struct LintedAction
{
  // Directory, tree id, id, version, kind and type when readable, and every
  // problem formatted "path:line:column: field: message" (status invalid
  // when there is one, else added).
  domain::ScannedAction scanned;
  // The metadata, when valid.
  std::optional<domain::ActionMetadata> metadata;
};

// Read and validate the ryax_metadata.yaml of `directory` in `tree` with
// `parser`; paths in messages are relative to the top of `tree`. internal
// when a file of the tree cannot be read.
Result<LintedAction> lint_action_directory(GitCommit& tree,
                                           ActionMetadataParser& parser,
                                           const ActionDirectory& directory);

// The error of an action claiming the id and version of the one in
// `other_directory` of the same tree.
std::string duplicate_action_error(const domain::ScannedAction& scanned,
                                   const std::string& other_directory);

// Every action directory of `tree`, read and validated as a scan does: a
// second directory claiming one id:version is invalid. Nothing is compared
// with a catalogue. internal when the tree cannot be read.
Result<std::vector<LintedAction>> lint_actions(GitCommit& tree,
                                               ActionMetadataParser& parser);

} // namespace ryax::app
