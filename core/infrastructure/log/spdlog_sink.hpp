#pragma once

#include "core/application/log.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace spdlog {
class logger;
}

namespace ryax::infra::log {

// How and where the daemon logs (ryaxd.yaml log_file, log_format,
// log_max_size, log_keep).
struct LogOptions
{
  std::string file;           // "" for stderr
  bool json = false;          // JSON lines (json_line.hpp) instead of text
  std::int64_t max_size = 0;  // bytes; rotate the file past this, 0: never
  int keep = 5;               // rotated files kept: FILE.1 ... FILE.keep
};

// The daemon's log sink: one line per event, with a timestamp and level (or
// one JSON object), to stderr or appended to a file, rotated by size when
// asked. Thread-safe.
class SpdlogSink : public app::log::Sink
{
public:
  // Log as `options` say. invalid_argument naming the file when it cannot
  // be opened.
  static Result<std::unique_ptr<SpdlogSink>> create(const LogOptions& options);

  void write(app::log::Level level, std::string_view message) override;

  // Close and open the log file again at its path (after logrotate moved
  // it); nothing for stderr. invalid_argument naming the file when it
  // cannot be opened: the sink keeps writing to the file it had.
  Result<void> reopen();

private:
  SpdlogSink(LogOptions options, std::shared_ptr<spdlog::logger> logger);

  const LogOptions m_options;
  std::mutex m_mutex;
  std::shared_ptr<spdlog::logger> m_logger;
};

} // namespace ryax::infra::log
