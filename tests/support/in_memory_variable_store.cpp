#include "tests/support/in_memory_variable_store.hpp"

namespace ryax::test {

Result<void>
InMemoryVariableStore::put(const domain::Variable& variable)
{
  std::lock_guard lock(m_mutex);
  m_variables[{ variable.project, variable.name }] = variable;
  return {};
}

Result<std::optional<domain::Variable>>
InMemoryVariableStore::get(const std::string& project, const std::string& name)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_variables.find({ project, name });
  if (it == m_variables.end()) {
    return std::optional<domain::Variable>{};
  }
  return std::optional{ it->second };
}

Result<std::vector<domain::Variable>>
InMemoryVariableStore::list(const std::string& project)
{
  std::lock_guard lock(m_mutex);
  std::vector<domain::Variable> found;
  for (const auto& [key, variable] : m_variables) {
    if (key.first == project) {
      found.push_back(variable);
    }
  }
  return found;
}

Result<std::size_t>
InMemoryVariableStore::count(const std::string& project)
{
  std::lock_guard lock(m_mutex);
  std::size_t n = 0;
  for (const auto& [key, variable] : m_variables) {
    n += key.first == project ? 1 : 0;
  }
  return n;
}

Result<bool>
InMemoryVariableStore::remove(const std::string& project,
                              const std::string& name)
{
  std::lock_guard lock(m_mutex);
  return m_variables.erase({ project, name }) > 0;
}

} // namespace ryax::test
