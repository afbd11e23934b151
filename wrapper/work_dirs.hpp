#pragma once

#include "core/domain/error.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ryax::wrapper {

// The per-execution directories of one wrapper: `<work_root>/exec/<id>`,
// the working directory of execution `id`, and `<work_root>/outputs/<id>`,
// where the runtime collects its files. Kept cheap, since every execution
// pays for them: an empty working directory becomes the next one (a
// rename), and directories are removed on a janitor thread (removal takes
// milliseconds on some file systems). Not thread-safe, apart from the
// janitor: one execution at a time uses it.
class WorkDirs
{
public:
  // Start the janitor.
  WorkDirs();

  // Finish the pending removals and stop the janitor.
  ~WorkDirs();
  WorkDirs(const WorkDirs&) = delete;
  WorkDirs& operator=(const WorkDirs&) = delete;

  // Use `work_root`, an absolute path, creating `exec/` and `outputs/` in
  // it. invalid_argument when it is not absolute or they cannot be made.
  Result<void> open(const std::string& work_root);

  // Create the empty working directory of execution `id` (an id of letters,
  // digits, '-', '_' and '.'), moving away what a previous execution of the
  // same id left, also in its outputs directory. Sets `workdir` and
  // `outdir` (not created: the runtime makes it when it collects files).
  // internal when the working directory cannot be created.
  Result<void> prepare(const std::string& id, std::string& workdir, std::string& outdir);

  // The execution that used `workdir` is over: keep it as the next working
  // directory when it is empty, else discard it.
  void recycle(const std::string& workdir);

  // Move `dir` out of the way now (a rename) and delete it on the janitor
  // thread. Nothing when it does not exist.
  void discard(const std::string& dir);

private:
  void janitor_loop();

  std::string m_exec;    // "<work_root>/exec/"
  std::string m_outputs; // "<work_root>/outputs/"
  std::string m_spare;   // "<work_root>/exec/.spare": an empty dir when m_have_spare
  bool m_have_spare = false;
  std::uint64_t m_trash_counter = 0;

  std::mutex m_janitor_mutex; // guards m_trash and m_stopping
  std::condition_variable m_janitor_wake;
  std::vector<std::string> m_trash;
  bool m_stopping = false;
  std::thread m_janitor;
};

} // namespace ryax::wrapper
