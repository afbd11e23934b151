#pragma once

#include "core/application/ports/run_store.hpp"
#include "core/application/ports/secret_box.hpp"
#include "core/infrastructure/sqlite/database.hpp"

#include <SQLiteCpp/Statement.h>

#include <memory>
#include <set>
#include <string>

namespace ryax::infra::sqlite {

// RunStore in the daemon's SQLite database (tables runs, run_steps and
// run_files). Values are stored as JSON (infra/json/run_json.hpp). The
// trigger's execution (the one done at the root when the run is created) is
// not counted in a summary's steps_total and steps_done. Unknown states read
// back as error. Password values (domain::Secret) are sealed by `box` at
// rest ({"sealed": TEXT}); a sealed value that does not open fails load()
// with the error of box.open, naming the run and the value. Holds prepared
// statements of `database`: destroy the store before the database.
class SqliteRunStore final : public app::RunStore
{
public:
  SqliteRunStore(Database& database, app::SecretBox& box);

  Result<void> commit(const std::vector<app::RunWrite>& writes) override;
  Result<std::optional<app::StoredRun>> load(const std::string& id) override;
  Result<std::vector<std::string>> unfinished() override;
  // invalid_argument when filter.limit is not positive.
  Result<std::vector<app::RunSummary>> list(
    const app::RunFilter& filter) override;
  Result<std::vector<std::string>> remove(const std::string& id) override;
  Result<std::vector<std::string>> expired(const app::RetentionPolicy& policy,
                                           std::int64_t now_ms) override;

private:
  // The statement in `slot`, prepared from `sql` on first use and reset
  // (bindings kept) otherwise. Call with the database locked.
  SQLite::Statement& prepared(std::unique_ptr<SQLite::Statement>& slot,
                              const char* sql);

  // Write one run of a batch (the database locked, a transaction open).
  // already_exists for a new run whose id is taken; not_found for changes
  // of an unknown run.
  Result<void> write_run(const app::RunWrite& write);
  // The variables a run read (table run_variables), passwords sealed.
  Result<void> write_variables(const std::string& run_id,
                               const domain::Values& variables);
  Result<domain::Values> read_variables(const std::string& run_id);

  // Insert or replace execution `key` (of `step`) of run `run_id`, adding
  // the filestore keys its values name to `file_keys`. internal when a
  // secret cannot be sealed.
  Result<void> write_step(const std::string& run_id,
                  const domain::StepKey& key,
                  const domain::StepRun& step,
                  std::set<std::string>& file_keys);

  // Record that run `run_id` uses each of `file_keys` (known ones ignored).
  void write_file_keys(const std::string& run_id,
                       const std::set<std::string>& file_keys);

  Database& m_database;
  app::SecretBox& m_box;
  // Statements of the hot path.
  std::unique_ptr<SQLite::Statement> m_run_exists;
  std::unique_ptr<SQLite::Statement> m_insert_run;
  std::unique_ptr<SQLite::Statement> m_update_run;
  std::unique_ptr<SQLite::Statement> m_upsert_step;
  std::unique_ptr<SQLite::Statement> m_delete_step;
  std::unique_ptr<SQLite::Statement> m_insert_file;
};

} // namespace ryax::infra::sqlite
