#pragma once

#include "core/application/ports/trigger_log_store.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace ryax::infra::filestore {

// Trigger logs as files <root>/<project>/<workflow id>.log, one line per
// record:
//
//   <sequence>\t<unix ns>\t<origin>\t<line>\n
//
// (the line holds no newline: TriggerLogs makes them spaces). When the file
// passes half of `max_bytes` it becomes <id>.log.1 (replacing the previous
// one): a workflow keeps at most about `max_bytes`, its newest lines. The
// next sequence number is read back from the files at the first append
// after a restart. A project or id that is empty, holds '/' or starts with
// '.' is invalid_argument. Thread-safe.
class FileTriggerLogStore final : public app::TriggerLogStore
{
public:
  // Default bound per workflow: 1 MiB.
  static constexpr std::uint64_t k_default_max_bytes = 1024 * 1024;

  explicit FileTriggerLogStore(std::string root,
                               std::uint64_t max_bytes = k_default_max_bytes);

  Result<std::uint64_t> append(const std::string& project,
                               const std::string& id,
                               app::TriggerLogLine line) override;

  Result<std::vector<app::TriggerLogLine>> read(const std::string& project,
                                                const std::string& id,
                                                std::uint64_t after,
                                                std::size_t max) override;

private:
  // <root>/<project>/<id>.log, or invalid_argument.
  Result<std::string> log_path(const std::string& project,
                               const std::string& id) const;

  std::string m_root;
  std::uint64_t m_max_bytes;
  std::mutex m_mutex; // appends and the sequence numbers
  std::map<std::pair<std::string, std::string>, std::uint64_t> m_last;
};

} // namespace ryax::infra::filestore
