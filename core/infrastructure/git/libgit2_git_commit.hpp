#pragma once

#include "core/application/ports/git_repository.hpp"
#include "core/infrastructure/git/libgit2_handles.hpp"

#include <filesystem>

namespace ryax::infra::git {

// A commit of a mirror, read straight from its object database. Owns the
// repository handle it was opened with; not for concurrent use.
class Libgit2GitCommit : public app::GitCommit
{
public:
  // Take ownership of `repo`, its `commit` and the commit's `root` tree.
  Libgit2GitCommit(Repository repo, Commit commit, Tree root);

  // See app::GitCommit.
  const std::string&
  commit_id() const override
  {
    return m_id;
  }
  Result<std::vector<app::ActionDirectory>> find_action_directories() override;
  Result<std::optional<std::string>> read_file(
    const std::string& path) override;
  Result<void> extract_directory(const std::string& directory,
                                 const std::string& destination) override;

private:
  // The tree `id`; internal (naming `path`) when unreadable.
  Result<Tree> lookup_tree(const git_oid* id, const std::string& path);
  // Create `target` (which must not exist) with the blob of `entry`.
  Result<void> write_blob(const git_tree_entry* entry,
                          const std::filesystem::path& target);

  Repository m_repo;
  Commit m_commit;
  Tree m_root;
  std::string m_id;
};

} // namespace ryax::infra::git
