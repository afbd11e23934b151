#pragma once

#include "core/domain/catalogue.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ryax::app {

// Which action versions `list` returns.
struct ActionFilter
{
  std::string project;    // "" for any
  std::string repository; // "" for any
  std::optional<domain::ActionKind> kind;
  std::string category; // "" for any
  bool all_versions = false; // else only the latest version of each id
};

// What one scan writes, atomically.
struct ScanCommit
{
  std::string project; // the repository's
  std::string repository;
  std::string ref;
  std::string commit;
  std::int64_t scanned_at = 0;
  // New or replaced versions (their `sequence` is assigned by the catalogue).
  std::vector<domain::ActionVersion> upserts;
  // "id:version" of every version present at the scanned commit: the other
  // versions of this repository are marked gone from its head.
  std::vector<std::string> present;
};

// The catalogue of action versions, by project: each project has its own
// action ids (an ActionVersion says its project; so does a ScanCommit).
class ActionCatalogue
{
public:
  virtual ~ActionCatalogue() = default;

  // The version `id`:`version` of `project`, or nullopt.
  virtual Result<std::optional<domain::ActionVersion>>
  find(const std::string& project,
       const std::string& id,
       const std::string& version) = 0;

  // The latest (most recently scanned) version of `id` in `project`, or
  // nullopt.
  virtual Result<std::optional<domain::ActionVersion>>
  latest(const std::string& project, const std::string& id) = 0;

  // Versions matching `filter`, by id then newest first.
  virtual Result<std::vector<domain::ActionVersion>>
  list(const ActionFilter& filter) = 0;

  // Every version catalogued from `repository` of `project`.
  virtual Result<std::vector<domain::ActionVersion>>
  of_repository(const std::string& project, const std::string& repository) = 0;

  // Remove `id`:`version` of `project`, or every version of `id` when
  // `version` is "". The number removed (0 when none).
  virtual Result<int> remove(const std::string& project,
                             const std::string& id,
                             const std::string& version) = 0;

  // Record the build fields of `version` (build_state, build_error,
  // bundle_key, lock_json, build_warnings). not_found when it is gone.
  virtual Result<void> set_build(const domain::ActionVersion& version) = 0;

  // Write a scan: upserts, gone flags and the repository's last scan, all
  // or nothing.
  virtual Result<void> commit_scan(const ScanCommit& scan) = 0;

  // A number that changes after every write through this object, for
  // callers that keep what they read (compare it to decide to read again).
  virtual std::uint64_t generation() const = 0;
};

} // namespace ryax::app
