#include "tests/support/in_memory_run_store.hpp"

#include "core/infrastructure/json/run_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace ryax::test {

namespace {

void
collect_keys(const domain::Values& values, std::set<std::string>& keys)
{
  for (const auto& [name, value] : values) {
    if (const auto* ref = std::get_if<domain::FileRef>(&value)) {
      keys.insert(ref->key);
    }
  }
}

bool
finished(domain::RunState state)
{
  return state != domain::RunState::pending
         && state != domain::RunState::running;
}

} // namespace

Result<void>
InMemoryRunStore::commit(const std::vector<app::RunWrite>& writes)
{
  std::lock_guard lock(m_mutex);
  if (m_delay.count() > 0) {
    std::this_thread::sleep_for(m_delay);
  }
  if (m_failures > 0) {
    --m_failures;
    return fail(ErrorCode::internal, "injected failure: disk full");
  }
  // All or nothing: check everything first.
  std::set<std::string> created;
  for (const auto& write : writes) {
    const auto& id = write.header.id;
    const bool known = m_runs.contains(id) || created.contains(id);
    if (write.creation && known) {
      return fail(ErrorCode::already_exists,
                  fmt::format("run \"{}\" already exists", id));
    }
    if (!write.creation && !known) {
      return fail(ErrorCode::not_found, fmt::format("run \"{}\" not found", id));
    }
    if (write.creation) {
      created.insert(id);
    }
  }
  for (const auto& write : writes) {
    const auto& h = write.header;
    auto& entry = m_runs[h.id];
    auto& run = entry.stored.run;
    if (write.creation) {
      run.id = h.id;
      run.workflow_id = h.workflow_id;
      run.workflow_version = h.workflow_version;
      run.created_ms = h.created_ms;
      run.trigger_values = write.creation->trigger_values;
      entry.stored.actions = write.creation->actions;
      entry.stored.priority = write.creation->priority;
      entry.stored.project = write.creation->project;
      entry.stored.variables = write.creation->variables;
      collect_keys(run.trigger_values, entry.files);
    }
    run.state = h.state;
    run.started_ms = h.started_ms;
    run.finished_ms = h.finished_ms;
    run.error = h.error;
    entry.header = h;
    for (const auto& [key, step] : write.steps) {
      run.steps[key] = step;
      collect_keys(step.inputs, entry.files);
      for (const auto& set : step.output_sets) {
        collect_keys(set, entry.files);
      }
    }
    for (const auto& key : write.removed) {
      run.steps.erase(key);
    }
  }
  ++m_commits;
  return {};
}

Result<std::optional<app::StoredRun>>
InMemoryRunStore::load(const std::string& id)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_runs.find(id);
  if (it == m_runs.end()) {
    return std::optional<app::StoredRun>{};
  }
  auto stored = it->second.stored;
  // As read back from storage: no runner-side counts.
  stored.run.counts = {};
  stored.run.crossed = false;
  return std::optional{ std::move(stored) };
}

Result<std::vector<std::string>>
InMemoryRunStore::unfinished()
{
  std::lock_guard lock(m_mutex);
  std::vector<std::pair<std::int64_t, std::string>> found;
  for (const auto& [id, entry] : m_runs) {
    if (!finished(entry.header.state)) {
      found.emplace_back(entry.header.created_ms, id);
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> ids;
  for (auto& [created, id] : found) {
    ids.push_back(std::move(id));
  }
  return ids;
}

Result<std::vector<app::RunSummary>>
InMemoryRunStore::list(const app::RunFilter& filter)
{
  if (filter.limit <= 0) {
    return fail(
      ErrorCode::invalid_argument,
      fmt::format("run list limit must be positive, not {}", filter.limit));
  }
  std::lock_guard lock(m_mutex);
  std::vector<app::RunSummary> found;
  for (const auto& [id, entry] : m_runs) {
    const auto& h = entry.header;
    if ((!filter.project.empty() && entry.stored.project != filter.project)
        || (!filter.workflow_id.empty() && h.workflow_id != filter.workflow_id)
        || (filter.state && h.state != *filter.state)
        || (filter.since_ms && h.created_ms < *filter.since_ms)
        || !id.starts_with(filter.id_prefix)) {
      continue;
    }
    found.push_back(h);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.created_ms != b.created_ms ? a.created_ms > b.created_ms
                                        : a.id > b.id;
  });
  if (found.size() > static_cast<std::size_t>(filter.limit)) {
    found.resize(static_cast<std::size_t>(filter.limit));
  }
  return found;
}

Result<std::vector<std::string>>
InMemoryRunStore::remove(const std::string& id)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_runs.find(id);
  if (it == m_runs.end()) {
    return fail(ErrorCode::not_found, fmt::format("run \"{}\" not found", id));
  }
  const auto files = std::move(it->second.files);
  m_runs.erase(it);
  std::vector<std::string> unused;
  for (const auto& key : files) {
    const bool shared = std::any_of(m_runs.begin(), m_runs.end(), [&](const auto& other) {
      return other.second.files.contains(key);
    });
    if (!shared) {
      unused.push_back(key);
    }
  }
  return unused; // a set: sorted
}

Result<std::vector<std::string>>
InMemoryRunStore::expired(const app::RetentionPolicy& policy,
                          std::int64_t now_ms)
{
  if (policy.max_age_ms <= 0 && policy.max_runs_per_workflow <= 0) {
    return std::vector<std::string>{};
  }
  std::lock_guard lock(m_mutex);
  // Finished runs by workflow, newest first, to number them.
  std::map<std::string, std::vector<const app::RunHeader*>> by_workflow;
  for (const auto& [id, entry] : m_runs) {
    if (finished(entry.header.state)) {
      by_workflow[entry.stored.project + "/" + entry.header.workflow_id]
        .push_back(&entry.header);
    }
  }
  std::vector<const app::RunHeader*> chosen;
  for (auto& [workflow, runs] : by_workflow) {
    std::sort(runs.begin(), runs.end(), [](const auto* a, const auto* b) {
      return a->created_ms != b->created_ms ? a->created_ms > b->created_ms
                                            : a->id > b->id;
    });
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const auto* h = runs[i];
      const bool old = policy.max_age_ms > 0 && h->finished_ms
                       && *h->finished_ms < now_ms - policy.max_age_ms;
      const bool beyond = policy.max_runs_per_workflow > 0
                          && static_cast<int>(i) >= policy.max_runs_per_workflow;
      if (old || beyond) {
        chosen.push_back(h);
      }
    }
  }
  std::sort(chosen.begin(), chosen.end(), [](const auto* a, const auto* b) {
    return a->created_ms != b->created_ms ? a->created_ms < b->created_ms
                                          : a->id < b->id;
  });
  std::vector<std::string> ids;
  for (const auto* h : chosen) {
    ids.push_back(h->id);
  }
  return ids;
}

void
InMemoryRunStore::set_commit_delay(std::chrono::microseconds delay)
{
  std::lock_guard lock(m_mutex);
  m_delay = delay;
}

void
InMemoryRunStore::fail_commits(int count)
{
  std::lock_guard lock(m_mutex);
  m_failures = count;
}

int
InMemoryRunStore::commits() const
{
  std::lock_guard lock(m_mutex);
  return m_commits;
}

Result<void>
InMemoryRunLogStore::append(const std::string& run_id,
                            const std::vector<app::RunLogRecord>& records)
{
  std::lock_guard lock(m_mutex);
  auto& log = m_logs[run_id];
  log.insert(log.end(), records.begin(), records.end());
  return {};
}

Result<std::pair<std::vector<app::RunLogRecord>, std::uint64_t>>
InMemoryRunLogStore::read(const std::string& run_id, std::uint64_t offset)
{
  std::lock_guard lock(m_mutex);
  std::vector<app::RunLogRecord> records;
  const auto it = m_logs.find(run_id);
  if (it == m_logs.end()) {
    return std::pair{ std::move(records), offset };
  }
  const auto& log = it->second;
  if (offset > log.size()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("offset {} is past the end of the log of run "
                            "\"{}\"",
                            offset,
                            run_id));
  }
  for (auto i = offset; i < log.size(); ++i) {
    records.push_back(log[i]);
  }
  return std::pair{ std::move(records), std::uint64_t{ log.size() } };
}

void
InMemoryRunLogStore::remove(const std::string& run_id)
{
  std::lock_guard lock(m_mutex);
  m_logs.erase(run_id);
}

namespace {

std::string
read_all(const fs::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// 64 hex digits from two 64-bit FNV-1a hashes of `text` (not
// cryptographic: a stand-in for SHA-256 that keeps the key's shape).
std::string
digest(const std::string& text)
{
  std::uint64_t a = 1469598103934665603ULL;
  std::uint64_t b = 1099511628211ULL ^ 0x9e3779b97f4a7c15ULL;
  for (const unsigned char c : text) {
    a = (a ^ c) * 1099511628211ULL;
    b = (b ^ c) * 0x100000001b3ULL + 0x9e3779b9ULL;
  }
  return fmt::format("{:016x}{:016x}{:016x}{:016x}", a, b, a ^ b, a + b);
}

bool
valid_name(const std::string& name)
{
  return !name.empty() && name.size() <= 255 && name != "." && name != ".."
         && name.find('/') == std::string::npos
         && name.find('\0') == std::string::npos;
}

} // namespace

Result<domain::FileRef>
InMemoryRunFileStore::put_bytes(const std::map<std::string, std::string>& files,
                                const std::string& name,
                                bool directory)
{
  if (!valid_name(name)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("invalid file name \"{}\"", name));
  }
  std::string all = directory ? "d" : "f";
  for (const auto& [path, content] : files) {
    all += fmt::format("{}:{}:{}", path.size(), path, content.size()) + content;
  }
  domain::FileRef ref{ digest(all) + "/" + name, directory };
  std::lock_guard lock(m_mutex);
  m_objects[ref.key] = files;
  m_directory[ref.key] = directory;
  ++m_holds[ref.key];
  return ref;
}

Result<domain::FileRef>
InMemoryRunFileStore::put_file(const std::string& path, const std::string& name)
{
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) {
    return fail(ErrorCode::invalid_argument, fmt::format("no file \"{}\"", path));
  }
  if (fs::is_symlink(status)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is a symbolic link", path));
  }
  if (!fs::is_regular_file(status)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a regular file", path));
  }
  return put_bytes({ { "", read_all(path) } }, name, false);
}

Result<domain::FileRef>
InMemoryRunFileStore::put_directory(const std::string& path,
                                    const std::string& name)
{
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (ec || !fs::exists(status)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("no directory \"{}\"", path));
  }
  if (!fs::is_directory(status)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a directory", path));
  }
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    const auto relative = entry.path().lexically_relative(path).string();
    if (entry.is_symlink()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("\"{}\": links are not stored here", relative));
    }
    files[relative + (entry.is_directory() ? "/" : "")] =
      entry.is_regular_file() ? read_all(entry.path()) : "";
  }
  return put_bytes(files, name, true);
}

void
InMemoryRunFileStore::release(const std::vector<std::string>& keys)
{
  std::lock_guard collecting(m_collect_mutex);
  std::lock_guard lock(m_mutex);
  for (const auto& key : keys) {
    if (auto it = m_holds.find(key); it != m_holds.end() && --it->second <= 0) {
      m_holds.erase(it);
    }
  }
}

Result<std::string>
InMemoryRunFileStore::materialize(const domain::FileRef& ref,
                                  const std::string& dest_dir)
{
  std::map<std::string, std::string> files;
  {
    std::lock_guard lock(m_mutex);
    const auto it = m_objects.find(ref.key);
    if (it == m_objects.end()) {
      return fail(ErrorCode::not_found,
                  fmt::format("no stored file \"{}\"", ref.key));
    }
    files = it->second;
  }
  const auto target = fs::path(dest_dir) / ref.key.substr(ref.key.find('/') + 1);
  if (fs::exists(fs::symlink_status(target))) {
    return fail(ErrorCode::already_exists,
                fmt::format("\"{}\" already exists", target.string()));
  }
  for (const auto& [relative, content] : files) {
    const auto path = relative.empty() ? target : target / relative;
    if (!relative.empty() && relative.back() == '/') {
      fs::create_directories(path);
      continue;
    }
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  if (ref.directory) {
    fs::create_directories(target);
  }
  return target.string();
}

Result<std::string>
InMemoryRunFileStore::blob_path(const domain::FileRef& ref)
{
  std::lock_guard lock(m_mutex);
  if (!m_objects.contains(ref.key)) {
    return fail(ErrorCode::not_found,
                fmt::format("no stored {} \"{}\"",
                            ref.directory ? "directory" : "file",
                            ref.key));
  }
  return "mem:" + ref.key;
}

Result<int>
InMemoryRunFileStore::collect(
  const std::function<Result<std::vector<std::string>>()>& unreferenced)
{
  std::lock_guard collecting(m_collect_mutex);
  RYAX_TRY_ASSIGN(const auto keys, unreferenced());
  int removed = 0;
  std::lock_guard lock(m_mutex);
  for (const auto& key : keys) {
    if (!m_holds.contains(key) && m_objects.erase(key) > 0) {
      ++removed;
    }
  }
  return removed;
}

bool
InMemoryRunFileStore::contains(const std::string& key)
{
  std::lock_guard lock(m_mutex);
  return m_objects.contains(key);
}

int
InMemoryRunFileStore::holds(const std::string& key)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_holds.find(key);
  return it == m_holds.end() ? 0 : it->second;
}

} // namespace ryax::test
