#pragma once

#include "core/application/ports/variable_store.hpp"

#include <map>
#include <mutex>
#include <utility>

namespace ryax::test {

// VariableStore in memory; passes the contract test of the SQLite adapter
// (tests/unit/contract/variable_store_contract_test.cpp).
class InMemoryVariableStore final : public app::VariableStore
{
public:
  Result<void> put(const domain::Variable& variable) override;
  Result<std::optional<domain::Variable>> get(const std::string& project,
                                              const std::string& name) override;
  Result<std::vector<domain::Variable>> list(
    const std::string& project) override;
  Result<std::size_t> count(const std::string& project) override;
  Result<bool> remove(const std::string& project,
                      const std::string& name) override;

private:
  std::mutex m_mutex;
  std::map<std::pair<std::string, std::string>, domain::Variable> m_variables;
};

} // namespace ryax::test
