#pragma once

#include "core/application/ports/workflow_store.hpp"
#include "core/infrastructure/sqlite/database.hpp"

#include <atomic>
#include <cstdint>

namespace ryax::infra::sqlite {

// WorkflowStore in the daemon's SQLite database (tables workflows,
// workflow_versions, workflow_files and workflow_errors).
class SqliteWorkflowStore : public app::WorkflowStore
{
public:
  explicit SqliteWorkflowStore(Database& database);

  Result<std::optional<app::StoredWorkflow>> find(const std::string& project,
                                                  const std::string& id,
                                                  int version) override;
  Result<void> add_version(const app::StoredWorkflow& workflow) override;
  Result<std::optional<app::WorkflowDeployment>> deployment(
    const std::string& project,
    const std::string& id) override;
  Result<std::vector<app::WorkflowDeployment>> list(
    const std::string& project) override;
  Result<void> set_deployment(
    const app::WorkflowDeployment& deployment) override;
  Result<std::vector<app::WorkflowDeployment>> deployed() override;
  Result<void> set_trigger_state(const std::string& project,
                                 const std::string& id,
                                 const app::TriggerState& state) override;
  Result<void> add_error(const std::string& project,
                         const std::string& id,
                         const app::DeploymentError& error) override;
  Result<std::vector<app::DeploymentError>> errors(
    const std::string& project,
    const std::string& id) override;
  Result<void> remove(const std::string& project,
                      const std::string& id) override;

  std::uint64_t generation() const override { return m_generation.load(); }

private:
  // `result`, after noting that the store was written.
  template<typename T>
  T
  written(T result)
  {
    m_generation.fetch_add(1);
    return result;
  }

  Database& m_database;
  std::atomic<std::uint64_t> m_generation{ 0 };
};

} // namespace ryax::infra::sqlite
