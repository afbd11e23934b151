#pragma once

// In-memory adapters of the runner's storage ports: they pass the same
// contract tests as the SQLite and file adapters (tests/unit/contract/),
// so application tests can use them instead.

#include "core/application/ports/run_store.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ryax::test {

// RunStore in memory. `fail_commits` makes the next commits fail (internal)
// without writing anything, to test what callers do then.
class InMemoryRunStore final : public app::RunStore
{
public:
  Result<void> commit(const std::vector<app::RunWrite>& writes) override;
  Result<std::optional<app::StoredRun>> load(const std::string& id) override;
  Result<std::vector<std::string>> unfinished() override;
  Result<std::vector<app::RunSummary>> list(
    const app::RunFilter& filter) override;
  Result<std::vector<std::string>> remove(const std::string& id) override;
  Result<std::vector<std::string>> expired(const app::RetentionPolicy& policy,
                                           std::int64_t now_ms) override;

  // The next `count` commits fail.
  void fail_commits(int count);
  // Each commit takes this long (storage that is slow to sync).
  void set_commit_delay(std::chrono::microseconds delay);
  // Commits made (successful ones).
  int commits() const;

private:
  struct Entry
  {
    app::StoredRun stored;
    app::RunHeader header;
    std::set<std::string> files;
  };
  mutable std::mutex m_mutex;
  std::map<std::string, Entry> m_runs;
  int m_failures = 0;
  int m_commits = 0;
  std::chrono::microseconds m_delay{ 0 };
};

// RunLogStore in memory: the offset is the index of the next record.
class InMemoryRunLogStore final : public app::RunLogStore
{
public:
  Result<void> append(const std::string& run_id,
                      const std::vector<app::RunLogRecord>& records) override;
  Result<std::pair<std::vector<app::RunLogRecord>, std::uint64_t>> read(
    const std::string& run_id,
    std::uint64_t offset) override;
  void remove(const std::string& run_id) override;

private:
  std::mutex m_mutex;
  std::map<std::string, std::vector<app::RunLogRecord>> m_logs;
};

// RunFileStore in memory: objects are byte strings (a directory is its
// files by relative path), keyed "<64 hex digits>/<name>" from a hash of
// the content. put_file and put_directory read the disk, like the real one;
// put_bytes stores content directly.
class InMemoryRunFileStore final : public app::RunFileStore
{
public:
  Result<domain::FileRef> put_file(const std::string& path,
                                   const std::string& name) override;
  Result<domain::FileRef> put_directory(const std::string& path,
                                        const std::string& name) override;
  void release(const std::vector<std::string>& keys) override;
  // Writes the object under dest_dir (a real directory), like the real one.
  Result<std::string> materialize(const domain::FileRef& ref,
                                  const std::string& dest_dir) override;
  // "mem:<key>": there is no file on disk.
  Result<std::string> blob_path(const domain::FileRef& ref) override;
  Result<int> collect(const std::function<Result<std::vector<std::string>>()>&
                        unreferenced) override;

  // Store `files` (relative path -> content; one entry "" for a file) as
  // `name`, held.
  Result<domain::FileRef> put_bytes(const std::map<std::string, std::string>& files,
                                    const std::string& name,
                                    bool directory);
  // Whether `key` is stored, and how many holds it has.
  bool contains(const std::string& key);
  int holds(const std::string& key);

private:
  std::mutex m_collect_mutex;
  std::mutex m_mutex;
  std::map<std::string, std::map<std::string, std::string>> m_objects;
  std::map<std::string, bool> m_directory;
  std::map<std::string, int> m_holds;
};

} // namespace ryax::test
