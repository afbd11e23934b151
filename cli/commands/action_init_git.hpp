#pragma once

#include "core/domain/error.hpp"

#include <string>

namespace ryax::cli {

// After `ryax action init DIR`, make DIR's parent something `ryax repo add`
// accepts, and return the line telling the user what was done or is left
// to do:
// - when the parent is inside a git work tree, nothing is changed: the
//   line says to commit DIR before `ryax repo scan`;
// - when the parent was made by this init or was empty (`parent_was_new`),
//   it becomes a git repository with DIR in a first commit (`git init`,
//   `git add`, `git commit`; the committer is git's configured user, else
//   "ryax <ryax@localhost>");
// - otherwise (or when git is not installed) nothing is changed and the
//   line says how to make one.
// internal when a git command fails (its output is in the message).
Result<std::string> commit_new_action(const std::string& directory,
                                      bool parent_was_new);

// The parent directory of action directory `directory`, absolute.
std::string action_parent(const std::string& directory);

} // namespace ryax::cli
