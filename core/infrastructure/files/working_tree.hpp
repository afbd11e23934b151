#pragma once

#include "core/application/ports/git_repository.hpp"

#include <string>

namespace ryax::infra::files {

// The files under a directory of the disk read like a commit, so that
// `ryax action lint` and `ryax workflow validate --offline` validate a
// working tree with the code `ryax repo scan` runs on commits. Directories
// named .git are skipped and symlinks ignored, as in a commit.
class WorkingTree : public app::GitCommit
{
public:
  // The tree under `root`, which need not exist yet.
  explicit WorkingTree(std::string root);

  // "": a working tree has no commit.
  const std::string& commit_id() const override;

  // See app::GitCommit::find_action_directories; tree ids are "".
  // not_found when the root is not a directory; internal when a directory
  // cannot be listed.
  Result<std::vector<app::ActionDirectory>> find_action_directories() override;

  // See app::GitCommit::read_file; files over 16 MiB are invalid_argument.
  Result<std::optional<std::string>> read_file(const std::string& path) override;

  // Not supported: failed_precondition.
  Result<void> extract_directory(const std::string& directory,
                                 const std::string& destination) override;

private:
  std::string m_root;
  std::string m_commit_id;
};

} // namespace ryax::infra::files
