#pragma once

#include "core/application/ports/git_repository.hpp"

namespace ryax::infra::git {

// GitRepository over libgit2. The mirror is a bare repository whose fetch
// refspecs copy the remote's branches to refs/heads/* and its tags to
// refs/tags/*, with HEAD following the remote's default branch. Stateless
// apart from libgit2's global initialisation, so one instance may serve
// several threads as long as they do not fetch the same cache_dir at once.
class Libgit2GitRepository : public app::GitRepository
{
public:
  // Initialise libgit2 (reference-counted by libgit2 itself).
  Libgit2GitRepository();
  // Release this instance's libgit2 initialisation.
  ~Libgit2GitRepository() override;
  Libgit2GitRepository(const Libgit2GitRepository&) = delete;
  Libgit2GitRepository& operator=(const Libgit2GitRepository&) = delete;

  // See app::GitRepository::fetch.
  Result<app::FetchResult> fetch(const app::GitRemote& remote) override;

  // See app::GitRepository::check_source.
  Result<void> check_source(const app::GitRemote& remote) override;

  // See app::GitRepository::remove_mirror.
  Result<void> remove_mirror(const app::GitRemote& remote) override;

  // See app::GitRepository::open.
  Result<std::unique_ptr<app::GitCommit>> open(const app::GitRemote& remote,
                                               const std::string& ref) override;
};

} // namespace ryax::infra::git
