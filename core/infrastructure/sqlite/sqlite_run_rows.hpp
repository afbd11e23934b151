#pragma once

// The rows of runs and their step executions, to and from SQLite columns
// (the run store's helpers).

#include "core/application/ports/run_store.hpp"
#include "core/application/ports/secret_box.hpp"
#include "core/domain/run.hpp"

#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ryax::infra::sqlite::rows {

// The columns read_summary() and read_step() expect, in order.
extern const char* const k_summary_columns;
extern const char* const k_step_columns;

// `doc` as compact text. Invalid UTF-8 in a string (which JSON cannot hold)
// is replaced rather than failing the write.
std::string dump(const nlohmann::json& doc);

// Bind `value` at `index`, NULL when it has none.
void bind_optional(SQLite::Statement& q,
                   int index,
                   const std::optional<std::int64_t>& value);

// Column `index`, nullopt when NULL.
std::optional<std::int64_t> optional_column(SQLite::Statement& q, int index);

// The error column of a run ("" when none).
std::string run_error_text(const std::optional<domain::RunError>& error);

// A JSON column of run `run_id`; internal when it does not parse (the
// database was damaged or written by something else).
Result<nlohmann::json> parse_column(const std::string& text,
                                    const std::string& run_id,
                                    std::string_view what);

// The error column of a run, read back.
Result<std::optional<domain::RunError>> parse_run_error(
  const std::string& text,
  const std::string& run_id);

// A values column (inputs, trigger values), unsealed with `box`.
Result<domain::Values> parse_values(const std::string& text,
                                    const std::string& run_id,
                                    const std::string& what,
                                    app::SecretBox& box);

// One row of k_step_columns.
Result<std::pair<domain::StepKey, domain::StepRun>> read_step(
  SQLite::Statement& q,
  const std::string& run_id,
  app::SecretBox& box);

// One row of k_summary_columns.
Result<app::RunSummary> read_summary(SQLite::Statement& q);

} // namespace ryax::infra::sqlite::rows
