#pragma once

#include "core/domain/error.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// Where an action repository lives and how to authenticate to it. The
// credentials are never logged and never appear in an error message.
struct GitRemote
{
  // A local path (relative paths are taken from the current directory),
  // file://, http(s)://, ssh:// or scp-like "git@host:path".
  std::string url;
  // The directory of the bare mirror; created by the first fetch.
  std::string cache_dir;
  // Optional user name for http(s); also the ssh user when the URL has none.
  std::string username;
  // Optional password or token for http(s).
  std::string password;
  // Optional private key for ssh: the content of the key file (PEM or
  // OpenSSH format, without passphrase); the public key is derived from it.
  std::string ssh_key;
};

// What a fetch did.
struct FetchResult
{
  // True when this fetch created the mirror (the first fetch).
  bool cloned = false;
  // Objects received from the remote; 0 when the mirror was up to date.
  std::size_t received_objects = 0;
};

// A directory of a commit that holds a ryax_metadata.yaml regular file.
struct ActionDirectory
{
  // "" for the repository root, else a '/'-separated path ("a/b").
  std::string directory;
  // Hex id of that directory's git tree: its content identity.
  std::string tree_id;
};

// A commit opened for reading straight from the object database (no working
// copy). Paths are relative to the repository root and '/'-separated.
class GitCommit
{
public:
  virtual ~GitCommit() = default;

  // The full hex id of the commit.
  virtual const std::string& commit_id() const = 0;

  // Every directory holding a ryax_metadata.yaml regular file (symlinks are
  // ignored), at any depth, sorted by path. internal when an object of the
  // commit cannot be read.
  virtual Result<std::vector<ActionDirectory>> find_action_directories() = 0;

  // The content of the regular file at `path`; nullopt when absent, when it is
  // a directory, a symlink or a submodule. internal when the object is
  // unreadable.
  virtual Result<std::optional<std::string>> read_file(
    const std::string& path) = 0;

  // Write the files under `directory` ("" for the root), recursively, below
  // `destination`, which must be absent or empty (it is created).
  // Executable files get mode 0755, others 0644; submodules are skipped;
  // symlinks are written as symlinks when their target, resolved for real,
  // stays inside `destination`. not_found when `directory` is not a
  // directory of the commit; failed_precondition when `destination` is not
  // empty; invalid_argument naming the entry when a symlink or path would
  // escape `destination` (the partial extraction is left for the caller to
  // remove); internal on an I/O failure.
  virtual Result<void> extract_directory(const std::string& directory,
                                         const std::string& destination) = 0;
};

// Mirrors remote git repositories locally and opens their commits.
class GitRepository
{
public:
  virtual ~GitRepository() = default;

  // Make `remote.cache_dir` a bare mirror of every branch and tag of
  // `remote.url`: clone it on the first call, afterwards fetch incrementally
  // (force-moved branches follow the remote, deleted ones are pruned). Fails
  // with invalid_argument for a malformed URL, unavailable when the remote
  // can't be reached, not_found when it holds no repository, unauthenticated
  // when the credentials are missing or rejected, failed_precondition when
  // cache_dir is a non-empty directory that is not a mirror, internal
  // otherwise. The message names the URL, never the credentials. A failed
  // first fetch leaves no mirror behind.
  virtual Result<FetchResult> fetch(const GitRemote& remote) = 0;

  // Check, without any network access, what can be checked of
  // `remote.url` when it is registered: a local path or file:// URL must be
  // the top directory of a git repository (bare or not); not_found when it
  // does not exist, failed_precondition when it is not a git repository
  // (the message says to run "git init" and commit) or is inside one (the
  // message names its top). Other URLs always pass: the first fetch reaches
  // them.
  virtual Result<void> check_source(const GitRemote& remote) = 0;

  // Delete the mirror of `remote` (its cache_dir and everything in it).
  // Succeeds when there is none; invalid_argument when cache_dir is empty,
  // internal when it cannot be removed.
  virtual Result<void> remove_mirror(const GitRemote& remote) = 0;

  // Open `ref` in the mirror of `remote`: a branch name, a tag name
  // (annotated tags are peeled), a full or abbreviated (>= 4 hex digits)
  // commit id, or "" for the remote's default branch. not_found naming the
  // ref when it resolves to no commit; invalid_argument when an abbreviated
  // id is ambiguous; failed_precondition when the mirror was never fetched;
  // internal otherwise.
  virtual Result<std::unique_ptr<GitCommit>> open(const GitRemote& remote,
                                                  const std::string& ref) = 0;
};

} // namespace ryax::app
