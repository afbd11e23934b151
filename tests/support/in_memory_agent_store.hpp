#pragma once

#include "core/application/ports/agent_store.hpp"

#include <map>
#include <mutex>

namespace ryax::test {

// AgentStore in memory; passes the contract test of the SQLite adapter
// (tests/unit/contract/agent_store_contract_test.cpp).
class InMemoryAgentStore final : public app::AgentStore
{
public:
  Result<void> add_token(const domain::JoinTokenRecord& token) override
  {
    std::lock_guard lock(m_mutex);
    if (!m_tokens.emplace(token.id, token).second) {
      return fail(ErrorCode::already_exists,
                  "join token " + token.id + " exists already");
    }
    return {};
  }
  Result<std::optional<domain::JoinTokenRecord>> find_token(
    const std::string& id) override
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_tokens.find(id);
    if (found == m_tokens.end()) {
      return std::nullopt;
    }
    return found->second;
  }
  Result<std::vector<domain::JoinTokenRecord>> list_tokens() override
  {
    std::lock_guard lock(m_mutex);
    std::vector<domain::JoinTokenRecord> tokens;
    for (const auto& [id, token] : m_tokens) {
      tokens.push_back(token);
    }
    std::stable_sort(tokens.begin(), tokens.end(), [](const auto& a, const auto& b) {
      return a.created_ms < b.created_ms;
    });
    return tokens;
  }
  Result<void> put_site(const domain::AgentSite& site) override
  {
    std::lock_guard lock(m_mutex);
    m_sites[site.site.name] = site;
    return {};
  }
  Result<std::optional<domain::AgentSite>> find_site(
    const std::string& name) override
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_sites.find(name);
    if (found == m_sites.end()) {
      return std::nullopt;
    }
    return found->second;
  }
  Result<std::vector<domain::AgentSite>> list_sites() override
  {
    std::lock_guard lock(m_mutex);
    std::vector<domain::AgentSite> sites;
    for (const auto& [name, site] : m_sites) {
      sites.push_back(site);
    }
    return sites;
  }
  Result<void> touch_site(const std::string& name,
                          std::int64_t at_ms,
                          const std::string& address) override
  {
    std::lock_guard lock(m_mutex);
    const auto found = m_sites.find(name);
    if (found != m_sites.end()) {
      found->second.last_seen_ms = at_ms;
      found->second.address = address;
    }
    return {};
  }
  Result<bool> remove_site(const std::string& name) override
  {
    std::lock_guard lock(m_mutex);
    return m_sites.erase(name) > 0;
  }

private:
  std::mutex m_mutex;
  std::map<std::string, domain::JoinTokenRecord> m_tokens;
  std::map<std::string, domain::AgentSite> m_sites;
};

} // namespace ryax::test
