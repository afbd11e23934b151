#pragma once

#include "core/application/ports/action_runtime.hpp"
#include "core/domain/error.hpp"
#include "core/domain/run.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

// The ports of the runner: run history, run logs and the IO filestore.
namespace ryax::app {

// A run as stored: the domain run and what was decided when it started.
struct StoredRun
{
  domain::Run run;
  // Step id -> the action version it runs, "id:version", resolved when the
  // run started (so that a later scan does not change a run under way).
  std::map<std::string, std::string> actions;
  // Its steps' place in the scheduler queue: higher first (ryax run
  // --priority).
  int priority = 0;
  std::string project = "default"; // its workflow's, at its start
  // The project variables its steps read ("{{ vars.NAME }}"), by name, as
  // they were when it started (a later `variable set` does not change a
  // run under way).
  domain::Values variables = {};
};

// A run's own fields: what it is written with, and one line of `runs
// list`.
struct RunHeader
{
  std::string id;
  std::string workflow_id;
  int workflow_version = 0;
  domain::RunState state = domain::RunState::pending;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> started_ms;
  std::optional<std::int64_t> finished_ms;
  std::optional<domain::RunError> error;
  int steps_total = 0; // step executions, the trigger excluded
  int steps_done = 0;
};

// One line of `runs list`.
using RunSummary = RunHeader;

// Which runs `list` returns, newest first.
struct RunFilter
{
  std::string project;                  // "" for any
  std::string workflow_id;              // "" for any
  std::optional<domain::RunState> state; // any when unset
  std::optional<std::int64_t> since_ms;  // created at or after
  std::string id_prefix;                 // ids starting so; "" for any
  int limit = 50;                        // > 0
};

// Which finished runs retention removes.
struct RetentionPolicy
{
  // Runs that finished more than this many milliseconds before `now_ms`;
  // 0 keeps them whatever their age.
  std::int64_t max_age_ms = 0;
  // Keep only the newest N finished runs of each workflow; 0 keeps them all.
  int max_runs_per_workflow = 0;
};

// What only a new run writes.
struct RunCreation
{
  std::string project = "default"; // as StoredRun::project
  std::string trigger_step; // the trigger's step id
  domain::Outputs trigger_values;
  std::map<std::string, std::string> actions; // as StoredRun::actions
  int priority = 0;
  domain::Values variables = {}; // as StoredRun::variables
};

// The changes of one run in a batch: its header, the executions to insert
// or replace and those to delete. A new run has `creation` set and lists
// every execution in `steps`.
struct RunWrite
{
  RunHeader header;
  std::optional<RunCreation> creation;
  std::vector<std::pair<domain::StepKey, domain::StepRun>> steps;
  std::vector<domain::StepKey> removed;
};

// The header of `run` (whose counts are up to date: Run::recount), the
// trigger's execution not counted as a step.
RunHeader header_of(const domain::Run& run);

// The write that creates `stored`, whose trigger step is `trigger_step`.
RunWrite creation_of(const StoredRun& stored, std::string trigger_step);

// Run history.
class RunStore
{
public:
  virtual ~RunStore() = default;

  // Write every change of `writes` in one transaction: all or nothing. The
  // filestore keys the written values name (trigger values, inputs,
  // outputs) are recorded as used by their run. already_exists for a new
  // run whose id is taken, not_found for changes of an unknown run; internal
  // when the storage fails (nothing is written then).
  virtual Result<void> commit(const std::vector<RunWrite>& writes) = 0;

  // The run `id` with all its executions, or nullopt.
  virtual Result<std::optional<StoredRun>> load(const std::string& id) = 0;

  // The ids of the runs in state pending or running, oldest first.
  virtual Result<std::vector<std::string>> unfinished() = 0;

  // Runs matching `filter`, newest first. invalid_argument for a limit
  // that is not positive.
  virtual Result<std::vector<RunSummary>> list(const RunFilter& filter) = 0;

  // Forget run `id` and its executions. Returns the filestore keys no other
  // run uses any more (for the caller to delete). not_found.
  virtual Result<std::vector<std::string>> remove(const std::string& id) = 0;

  // The ids of finished runs that `policy` removes at `now_ms`, oldest
  // first.
  virtual Result<std::vector<std::string>> expired(const RetentionPolicy& policy,
                                                   std::int64_t now_ms) = 0;
};

// One line of a run's log.
struct RunLogRecord
{
  std::int64_t timestamp_unix_ns = 0;
  std::string step;
  std::string branch;
  int attempt = 1;
  LogStream stream = LogStream::out;
  std::string line; // without its newline; secrets already masked

  bool operator==(const RunLogRecord&) const = default;
};

// The logs of runs, appended while steps run, readable meanwhile.
class RunLogStore
{
public:
  virtual ~RunLogStore() = default;

  // Append `records` to the log of run `run_id`.
  virtual Result<void> append(const std::string& run_id,
                              const std::vector<RunLogRecord>& records) = 0;

  // The records of run `run_id` from position `offset` (0: the start), and
  // the position after the last one returned. No log yet: none, offset 0.
  virtual Result<std::pair<std::vector<RunLogRecord>, std::uint64_t>> read(
    const std::string& run_id,
    std::uint64_t offset) = 0;

  // Delete the log of `run_id` (nothing when there is none).
  virtual void remove(const std::string& run_id) = 0;
};

// File and directory values, content-addressed. A key names the content and
// the name users see ("<digest>/<name>"): the same content under two names
// is two keys. Names never hold '/' and are never "." or "..".
//
// Objects are shared by every run whose values name the same key, so
// deleting one must not race with a run that just stored the same content:
// every put holds its key until release(), and collect() deletes only keys
// nobody holds, with releases waiting while it decides. A caller releases
// a key once a run's record naming it is durable.
class RunFileStore
{
public:
  virtual ~RunFileStore() = default;

  // Store a copy of the regular file at `path` as `name`, and hold its key.
  // invalid_argument for a bad name, a missing file or a symbolic link;
  // internal on I/O errors.
  virtual Result<domain::FileRef> put_file(const std::string& path,
                                           const std::string& name) = 0;

  // Store the directory tree at `path` as `name` (as an archive), and hold
  // its key. invalid_argument for a bad name, a missing directory, or a
  // symbolic link inside it pointing outside it (named by its relative
  // path).
  virtual Result<domain::FileRef> put_directory(const std::string& path,
                                                const std::string& name) = 0;

  // Drop one hold of each of `keys` (taken by a put).
  virtual void release(const std::vector<std::string>& keys) = 0;

  // Place a copy of `ref` in the existing directory `dest_dir` (as
  // dest_dir/name) and return that path. not_found for an unknown key;
  // invalid_argument when an archive entry would escape (absolute, "..",
  // links outside).
  virtual Result<std::string> materialize(const domain::FileRef& ref,
                                          const std::string& dest_dir) = 0;

  // The stored object of `ref` on disk: the file itself, or the archive of
  // a directory (tar). not_found for an unknown key.
  virtual Result<std::string> blob_path(const domain::FileRef& ref) = 0;

  // Garbage collection: call `unreferenced` (which forgets records and
  // returns the keys no record names any more) with releases held back,
  // then delete each returned key that nobody holds. The number of objects
  // deleted, or the error of `unreferenced`.
  virtual Result<int> collect(
    const std::function<Result<std::vector<std::string>>()>& unreferenced) = 0;
};

// --- Inline implementations ---

inline RunHeader
header_of(const domain::Run& run)
{
  RunHeader header;
  header.id = run.id;
  header.workflow_id = run.workflow_id;
  header.workflow_version = run.workflow_version;
  header.state = run.state;
  header.created_ms = run.created_ms;
  header.started_ms = run.started_ms;
  header.finished_ms = run.finished_ms;
  header.error = run.error;
  header.steps_total =
    run.steps.empty() ? 0 : static_cast<int>(run.steps.size()) - 1;
  const int done = run.count(domain::StepState::done);
  header.steps_done = done > 0 ? done - 1 : 0;
  return header;
}

inline RunWrite
creation_of(const StoredRun& stored, std::string trigger_step)
{
  RunWrite write;
  write.header = header_of(stored.run);
  write.creation = RunCreation{ stored.project,
                                std::move(trigger_step),
                                stored.run.trigger_values,
                                stored.actions,
                                stored.priority,
                                stored.variables };
  write.steps.reserve(stored.run.steps.size());
  for (const auto& [key, step] : stored.run.steps) {
    write.steps.emplace_back(key, step);
  }
  return write;
}

} // namespace ryax::app
