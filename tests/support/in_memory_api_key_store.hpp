#pragma once

#include "core/application/ports/api_key_store.hpp"

#include <map>
#include <mutex>
#include <utility>

namespace ryax::test {

// ApiKeyStore in memory; passes the contract test of the SQLite adapter
// (tests/unit/contract/api_key_store_contract_test.cpp).
class InMemoryApiKeyStore final : public app::ApiKeyStore
{
public:
  Result<void> add(const domain::ApiKey& key) override;
  Result<std::vector<domain::ApiKey>> list(const std::string& project) override;
  Result<std::size_t> count(const std::string& project) override;
  Result<bool> revoke(const std::string& project,
                      const std::string& name) override;
  Result<std::optional<domain::ApiKey>> find_by_hash(
    const std::string& project,
    const std::string& hash) override;
  Result<void> touch(const std::string& project,
                     const std::string& name,
                     std::int64_t at_ms) override;
  Result<bool> keys_required(const std::string& project) override;
  Result<void> set_keys_required(const std::string& project,
                                 bool required) override;

  // How many times touch was called: tests check its throttling.
  int touches() const;

private:
  mutable std::mutex m_mutex;
  std::map<std::pair<std::string, std::string>, domain::ApiKey> m_keys;
  std::map<std::string, bool> m_required;
  int m_touches = 0;
};

} // namespace ryax::test
