#pragma once

#include "core/domain/agent.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// The join tokens and the sites of worker agents the main daemon knows.
// Every method is atomic by itself and thread-safe; internal when the
// storage fails.
class AgentStore
{
public:
  virtual ~AgentStore() = default;

  // Record a new join token. already_exists for an id given before.
  virtual Result<void> add_token(const domain::JoinTokenRecord& token) = 0;

  // The token `id`, or nullopt.
  virtual Result<std::optional<domain::JoinTokenRecord>> find_token(
    const std::string& id) = 0;

  // Every token, by creation time.
  virtual Result<std::vector<domain::JoinTokenRecord>> list_tokens() = 0;

  // Record `site` (insert, or replace the site of that name).
  virtual Result<void> put_site(const domain::AgentSite& site) = 0;

  // The site `name`, or nullopt.
  virtual Result<std::optional<domain::AgentSite>> find_site(
    const std::string& name) = 0;

  // Every site, by name.
  virtual Result<std::vector<domain::AgentSite>> list_sites() = 0;

  // Set the last message of site `name` (nothing when there is none).
  virtual Result<void> touch_site(const std::string& name,
                                  std::int64_t at_ms,
                                  const std::string& address) = 0;

  // Forget site `name` (its credential with it): whether there was one.
  virtual Result<bool> remove_site(const std::string& name) = 0;
};

} // namespace ryax::app
