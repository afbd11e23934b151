#pragma once

#include "core/domain/catalogue.hpp"
#include "core/domain/error.hpp"

#include <string>
#include <vector>

namespace ryax::app {

// Registered action repositories and their credentials, by project: each
// project has its own names.
class RepositoryStore
{
public:
  virtual ~RepositoryStore() = default;

  // Register `repository` (in repository.project) with `secrets`.
  // already_exists naming it when the project has that name.
  virtual Result<void> add(const domain::Repository& repository,
                           const domain::RepositorySecrets& secrets) = 0;

  // The repository `name` of `project`, or not_found naming it.
  virtual Result<domain::Repository> get(const std::string& project,
                                         const std::string& name) = 0;

  // The credentials of `name` of `project`, or not_found.
  virtual Result<domain::RepositorySecrets> secrets(
    const std::string& project,
    const std::string& name) = 0;

  // Every repository of `project`, by name.
  virtual Result<std::vector<domain::Repository>> list(
    const std::string& project) = 0;

  // Forget `name` of `project` and its credentials (its catalogued actions
  // stay). not_found naming it.
  virtual Result<void> remove(const std::string& project,
                              const std::string& name) = 0;
};

} // namespace ryax::app
