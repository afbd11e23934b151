#include "core/infrastructure/log/spdlog_sink.hpp"

#include "core/infrastructure/log/json_line.hpp"
#include "core/infrastructure/log/rotating_file_sink.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace ryax::infra::log {

namespace {

Result<std::shared_ptr<spdlog::logger>>
open_logger(const LogOptions& options)
{
  try {
    spdlog::sink_ptr sink;
    if (options.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_st>();
    } else if (options.max_size > 0) {
      sink = std::make_shared<RotatingFileSink>(
        options.file, static_cast<std::size_t>(options.max_size),
        static_cast<std::size_t>(options.keep));
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_st>(options.file);
    }
    auto logger = std::make_shared<spdlog::logger>("ryaxd", std::move(sink));
    // JSON lines are whole (time included) before spdlog sees them.
    logger->set_pattern(options.json ? "%v" : "%Y-%m-%dT%H:%M:%S.%e%z %l %v");
    logger->set_level(spdlog::level::trace);
    logger->flush_on(spdlog::level::trace);
    return logger;
  } catch (const spdlog::spdlog_ex& e) {
    return fail(ErrorCode::invalid_argument,
                "cannot open log file \"" + options.file + "\": " + e.what());
  }
}

} // namespace

SpdlogSink::SpdlogSink(LogOptions options, std::shared_ptr<spdlog::logger> logger)
  : m_options(std::move(options)), m_logger(std::move(logger))
{
}

Result<std::unique_ptr<SpdlogSink>>
SpdlogSink::create(const LogOptions& options)
{
  RYAX_TRY_ASSIGN(auto logger, open_logger(options));
  return std::unique_ptr<SpdlogSink>(new SpdlogSink(options, std::move(logger)));
}

Result<void>
SpdlogSink::reopen()
{
  if (m_options.file.empty()) {
    return {};
  }
  RYAX_TRY_ASSIGN(auto logger, open_logger(m_options));
  std::lock_guard lock(m_mutex);
  m_logger = std::move(logger);
  return {};
}

void
SpdlogSink::write(app::log::Level level, std::string_view message)
{
  using app::log::Level;
  spdlog::level::level_enum spd = spdlog::level::info;
  switch (level) {
  case Level::trace:
    spd = spdlog::level::trace;
    break;
  case Level::debug:
    spd = spdlog::level::debug;
    break;
  case Level::info:
    spd = spdlog::level::info;
    break;
  case Level::warn:
    spd = spdlog::level::warn;
    break;
  case Level::error:
    spd = spdlog::level::err;
    break;
  case Level::off:
    return;
  }
  std::string line;
  if (m_options.json) {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    line = json_line(rfc3339_ms(now_ms), app::log::to_string(level), message);
  }
  std::lock_guard lock(m_mutex);
  if (m_options.json) {
    m_logger->log(spd, "{}", line);
  } else {
    m_logger->log(spd, "{}", message);
  }
}

} // namespace ryax::infra::log
