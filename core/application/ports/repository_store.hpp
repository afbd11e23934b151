#pragma once

#include "core/domain/catalogue.hpp"
#include "core/domain/error.hpp"

#include <string>
#include <vector>

namespace ryax::app {

// Registered action repositories and their credentials.
class RepositoryStore
{
public:
  virtual ~RepositoryStore() = default;

  // Register `repository` with `secrets`. already_exists naming it when the
  // name is taken.
  virtual Result<void> add(const domain::Repository& repository,
                           const domain::RepositorySecrets& secrets) = 0;

  // The repository called `name`, or not_found naming it.
  virtual Result<domain::Repository> get(const std::string& name) = 0;

  // The credentials of `name`, or not_found.
  virtual Result<domain::RepositorySecrets> secrets(const std::string& name) = 0;

  // Every repository, by name.
  virtual Result<std::vector<domain::Repository>> list() = 0;

  // Forget `name` and its credentials (its catalogued actions stay).
  // not_found naming it.
  virtual Result<void> remove(const std::string& name) = 0;
};

} // namespace ryax::app
