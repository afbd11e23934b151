#include "tests/support/in_memory_api_key_store.hpp"

namespace ryax::test {

Result<void>
InMemoryApiKeyStore::add(const domain::ApiKey& key)
{
  std::lock_guard lock(m_mutex);
  if (m_keys.contains({ key.project, key.name })) {
    return fail(ErrorCode::already_exists,
                "API key \"" + key.name + "\" already exists in project \"" +
                  key.project + "\"");
  }
  for (const auto& [at, other] : m_keys) {
    if (other.hash == key.hash) {
      return fail(ErrorCode::internal, "API key hash taken");
    }
  }
  m_keys[{ key.project, key.name }] = key;
  return {};
}

Result<std::vector<domain::ApiKey>>
InMemoryApiKeyStore::list(const std::string& project)
{
  std::lock_guard lock(m_mutex);
  std::vector<domain::ApiKey> found;
  for (const auto& [at, key] : m_keys) {
    if (at.first == project) {
      found.push_back(key);
    }
  }
  return found;
}

Result<std::size_t>
InMemoryApiKeyStore::count(const std::string& project)
{
  RYAX_TRY_ASSIGN(const auto keys, list(project));
  return keys.size();
}

Result<bool>
InMemoryApiKeyStore::revoke(const std::string& project, const std::string& name)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_keys.find({ project, name });
  if (it == m_keys.end()) {
    return false;
  }
  it->second.revoked = true;
  return true;
}

Result<std::optional<domain::ApiKey>>
InMemoryApiKeyStore::find_by_hash(const std::string& project,
                                  const std::string& hash)
{
  std::lock_guard lock(m_mutex);
  for (const auto& [at, key] : m_keys) {
    if (at.first == project && key.hash == hash) {
      return std::optional{ key };
    }
  }
  return std::optional<domain::ApiKey>{};
}

Result<void>
InMemoryApiKeyStore::touch(const std::string& project,
                           const std::string& name,
                           std::int64_t at_ms)
{
  std::lock_guard lock(m_mutex);
  ++m_touches;
  if (const auto it = m_keys.find({ project, name }); it != m_keys.end()) {
    it->second.last_used_ms = at_ms;
  }
  return {};
}

Result<bool>
InMemoryApiKeyStore::keys_required(const std::string& project)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_required.find(project);
  return it != m_required.end() && it->second;
}

Result<void>
InMemoryApiKeyStore::set_keys_required(const std::string& project,
                                       bool required)
{
  std::lock_guard lock(m_mutex);
  m_required[project] = required;
  return {};
}

int
InMemoryApiKeyStore::touches() const
{
  std::lock_guard lock(m_mutex);
  return m_touches;
}

} // namespace ryax::test
