#pragma once

#include "core/infrastructure/free_with.hpp"

#include <git2.h>

#include <memory>
#include <string>

// RAII owners for libgit2 objects and small helpers shared by the libgit2
// adapters. Internal to core/infrastructure/git/.
namespace ryax::infra::git {


using Repository = std::unique_ptr<git_repository, FreeWith<git_repository_free>>;
using Remote = std::unique_ptr<git_remote, FreeWith<git_remote_free>>;
using Object = std::unique_ptr<git_object, FreeWith<git_object_free>>;
using Reference = std::unique_ptr<git_reference, FreeWith<git_reference_free>>;
using Commit = std::unique_ptr<git_commit, FreeWith<git_commit_free>>;
using Tree = std::unique_ptr<git_tree, FreeWith<git_tree_free>>;
using TreeEntry = std::unique_ptr<git_tree_entry, FreeWith<git_tree_entry_free>>;
using Blob = std::unique_ptr<git_blob, FreeWith<git_blob_free>>;

// The message of the calling thread's last libgit2 error.
std::string last_error_message();

// The 40-digit hex form of `oid`.
std::string oid_hex(const git_oid* oid);

// --- Inline implementations ---

inline std::string
last_error_message()
{
  const git_error* error = git_error_last();
  if (error == nullptr || error->message == nullptr) {
    return "unknown libgit2 error";
  }
  return error->message;
}

inline std::string
oid_hex(const git_oid* oid)
{
  char buffer[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buffer, sizeof buffer, oid);
  return buffer;
}

} // namespace ryax::infra::git
