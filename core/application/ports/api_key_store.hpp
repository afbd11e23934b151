#pragma once

#include "core/domain/api_key.hpp"
#include "core/domain/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// The API keys of each project and whether a project requires them. A key
// is keyed by (project, name); its hash is unique across projects. Every
// method is atomic by itself and thread-safe; internal when the storage
// fails.
class ApiKeyStore
{
public:
  virtual ~ApiKeyStore() = default;

  // Record `key`. already_exists naming the key and its project when the
  // project holds a key of that name (revoked or not).
  virtual Result<void> add(const domain::ApiKey& key) = 0;

  // The keys of `project`, revoked ones included, by name.
  virtual Result<std::vector<domain::ApiKey>> list(
    const std::string& project) = 0;

  // How many keys `project` holds, revoked ones included.
  virtual Result<std::size_t> count(const std::string& project) = 0;

  // Mark key `name` of `project` revoked (nothing more when it was):
  // whether the project holds a key of that name.
  virtual Result<bool> revoke(const std::string& project,
                              const std::string& name) = 0;

  // The key of `project` whose hash is `hash`, or nullopt (also when the
  // hash is another project's). One indexed lookup.
  virtual Result<std::optional<domain::ApiKey>> find_by_hash(
    const std::string& project,
    const std::string& hash) = 0;

  // Set the last use of key `name` of `project` to `at_ms` (nothing when
  // there is no such key).
  virtual Result<void> touch(const std::string& project,
                             const std::string& name,
                             std::int64_t at_ms) = 0;

  // Whether requests to `project`'s HTTP API must present a key (false for
  // a project never set).
  virtual Result<bool> keys_required(const std::string& project) = 0;

  // Set whether `project` requires keys.
  virtual Result<void> set_keys_required(const std::string& project,
                                         bool required) = 0;
};

} // namespace ryax::app
