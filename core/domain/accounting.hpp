#pragma once

#include "core/domain/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Accounting: what each execution of a step asked for, was given and how
// long it ran (Ryax's accounting record), and the sums people bill by.
// Pure: records are values; the runner makes them, a store keeps them.
namespace ryax::domain {

// One execution (one attempt of one step in one branch of one run), as it
// is billed. Times are milliseconds since the UNIX epoch.
struct AccountingRecord
{
  // "run.step.branch.attempt" (the root branch spelled "r"): unique, so a
  // record written twice counts once.
  std::string execution_id;
  std::string project;
  std::string workflow_id;
  int workflow_version = 0;
  std::string action_id;      // "" when the step's action was gone
  std::string action_name;    // the metadata's human_name
  std::string action_version; //
  std::string run_id;
  std::string step;
  std::string branch; // "" for the root
  int attempt = 1;
  std::string site;      // where it was placed
  std::string node_pool; // the site's pool (a Slurm partition)
  std::string node;      // the machine, when known; "" otherwise
  // How it ended: "done", "error", "cancelled" or "lost" (its site was
  // lost: it runs again as a new attempt).
  std::string state;
  std::int64_t submitted_ms = 0; // it entered the scheduler queue
  std::int64_t started_ms = 0;   // its runtime got it
  std::int64_t ended_ms = 0;     // its result (or loss) came back
  // What it asked for: the step's resources, else its action's, else the
  // scheduler's defaults (cpu 0.5, memory 256 MiB); time 0 for no limit.
  double requested_cpu = 0;
  std::int64_t requested_memory_bytes = 0;
  std::int64_t requested_gpu = 0;
  std::int64_t requested_time_seconds = 0;
  // What its pool reserved for it while it ran (see accounting.cpp).
  double allocated_cpu = 0;
  std::int64_t allocated_memory_bytes = 0;
  std::int64_t allocated_gpu = 0;

  bool operator==(const AccountingRecord&) const = default;

  // ended - started in milliseconds, never negative.
  std::int64_t duration_ms() const;
};

// What records are summed by.
enum class AccountingGroupBy
{
  project,
  workflow, // (project, workflow)
  action,   // (project, action id, action version)
  site,
  pool, // (site, node pool)
};

// "project", "workflow", "action", "site", "pool".
std::string_view to_string(AccountingGroupBy by);

// The grouping spelled `text`. invalid_argument naming `field`, the
// accepted values and the near miss.
Result<AccountingGroupBy> parse_accounting_group_by(std::string_view text,
                                                    std::string_view field);

// The sums of some records. Resource-seconds are allocated amount x
// duration; a GB is 2^30 bytes (memory sizes are base 1024 in Ryax).
struct AccountingTotals
{
  std::int64_t executions = 0;
  double cpu_seconds = 0;
  double gb_seconds = 0;
  double gpu_seconds = 0;
  double duration_seconds = 0;

  bool operator==(const AccountingTotals&) const = default;

  // Count `record` in.
  void add(const AccountingRecord& record);
};

// One group of a summary: the fields of its key (the others empty) and
// its sums.
struct AccountingGroup
{
  std::string project;
  std::string workflow_id;
  std::string action_id;
  std::string action_version;
  std::string site;
  std::string node_pool;
  AccountingTotals totals;

  bool operator==(const AccountingGroup&) const = default;

  // Its key as one string: "P", "P/WORKFLOW", "P/ACTION:VERSION", "SITE"
  // or "SITE/POOL".
  std::string key() const;
};

// The group `record` falls in under `by`: the key fields set, sums zero.
AccountingGroup group_of(const AccountingRecord& record, AccountingGroupBy by);

// The most a time bound may be in the past or future: 100 years.
inline constexpr std::int64_t k_max_time_bound_ms =
  100LL * 366 * 24 * 3600 * 1000;

// A point in time given as text for `field` (--since, --until): an RFC
// 3339 time ("2026-11-30T08:00:00Z", "2026-11-30T09:00:00.5+01:00"), a
// date ("2026-11-30": midnight UTC), or a duration before `now_ms`
// ("7d", "24h", "90m", "30s"). Milliseconds since the UNIX epoch.
// invalid_argument naming the field and the forms accepted.
Result<std::int64_t> parse_time_bound(std::string_view text,
                                      std::string_view field,
                                      std::int64_t now_ms);

} // namespace ryax::domain
