#pragma once

#include "core/domain/build.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ryax::app {

// Persistent build jobs: the queue survives a daemon restart.
class BuildStore
{
public:
  virtual ~BuildStore() = default;

  // Queue a build of `id`:`version` of `project`, or return the pending or
  // running job of that version (never two at once).
  virtual Result<domain::BuildJob> enqueue(const std::string& project,
                                           const std::string& id,
                                           const std::string& version,
                                           bool force, std::int64_t now) = 0;

  // The oldest pending job, or nullopt.
  virtual Result<std::optional<domain::BuildJob>> next_pending() = 0;

  // Write every field of `job`.
  virtual Result<void> update(const domain::BuildJob& job) = 0;

  // The most recent job of `id`:`version` of `project`, or nullopt.
  virtual Result<std::optional<domain::BuildJob>>
  latest(const std::string& project,
         const std::string& id,
         const std::string& version) = 0;

  // Jobs left "building" by a daemon that died go back to pending; their
  // jobs are returned.
  virtual Result<std::vector<domain::BuildJob>> requeue_interrupted() = 0;
};

// Build logs, one per job, readable while the build runs.
class BuildLogStore
{
public:
  virtual ~BuildLogStore() = default;

  // Append one line to the log of `job_id`.
  virtual void append(std::int64_t job_id, std::string_view line) = 0;

  // The log of `job_id` from byte `offset`: the text and the next offset.
  virtual Result<std::pair<std::string, std::size_t>>
  read(std::int64_t job_id, std::size_t offset) = 0;
};

// Immutable build bundles named by their content key.
class BundleStore
{
public:
  virtual ~BundleStore() = default;

  // A fresh staging area: an empty source dir and an empty bundle dir.
  struct Staging
  {
    std::string root;
    std::string source_dir;
    std::string bundle_dir;
  };

  // Is a complete bundle stored under `key`?
  virtual bool contains(const std::string& key) = 0;

  // The directory of the bundle `key`.
  virtual std::string path(const std::string& key) = 0;

  // The content of the file `relative` of bundle `key`; not_found when
  // there is none, internal or permission_denied when it cannot be read.
  virtual Result<std::string> read(const std::string& key,
                                   const std::string& relative) = 0;

  // Create a staging area. internal on I/O failure.
  virtual Result<Staging> stage() = 0;

  // Make the staged bundle the bundle `key` (replacing one that exists),
  // then remove the staging area.
  virtual Result<void> commit(const Staging& staging, const std::string& key) = 0;

  // Remove a staging area.
  virtual void discard(const Staging& staging) = 0;
};

} // namespace ryax::app
