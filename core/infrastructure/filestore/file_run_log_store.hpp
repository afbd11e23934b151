#pragma once

#include "core/application/ports/run_store.hpp"

#include <mutex>
#include <string>

namespace ryax::infra::filestore {

// Run logs as append-only files <root>/<run id>.log, one record per line:
//
//   <unix ns>\t<step>\t<branch>\t<attempt>\t<o|e>\t<line>\n
//
// where step, branch and line escape '\\', tab, newline and carriage return
// as \\, \t, \n and \r, so that any byte sequence round-trips. Offsets are
// byte positions in that file. A run id holding '/' or starting with '.' is
// invalid_argument. Thread-safe; read needs no lock and may run beside
// append.
class FileRunLogStore final : public app::RunLogStore
{
public:
  explicit FileRunLogStore(std::string root);

  // One write() of the whole batch on an O_APPEND descriptor; on a failed
  // write the file is cut back to its previous size (internal).
  Result<void> append(const std::string& run_id,
                      const std::vector<app::RunLogRecord>& records) override;

  // The complete records from `offset` on; a last line still being written
  // is left for the next call. No log yet: none, `offset` returned as is.
  // invalid_argument for an offset past the end of the log. A malformed line
  // is skipped.
  Result<std::pair<std::vector<app::RunLogRecord>, std::uint64_t>> read(
    const std::string& run_id,
    std::uint64_t offset) override;

  void remove(const std::string& run_id) override;

private:
  // <root>/<run_id>.log, or invalid_argument.
  Result<std::string> log_path(const std::string& run_id) const;

  std::string m_root;
  std::mutex m_mutex; // serializes appends
};

} // namespace ryax::infra::filestore
