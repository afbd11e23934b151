#include "core/infrastructure/log/spdlog_sink.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ryax::infra::log {

SpdlogSink::SpdlogSink(std::shared_ptr<spdlog::logger> logger)
  : m_logger(std::move(logger))
{
  m_logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  m_logger->set_level(spdlog::level::trace);
  m_logger->flush_on(spdlog::level::trace);
}

Result<std::unique_ptr<SpdlogSink>>
SpdlogSink::create(const std::string& file)
{
  try {
    std::shared_ptr<spdlog::logger> logger;
    if (file.empty()) {
      logger = std::make_shared<spdlog::logger>(
        "ryaxd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>(
        "ryaxd", std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
    }
    return std::unique_ptr<SpdlogSink>(new SpdlogSink(std::move(logger)));
  } catch (const spdlog::spdlog_ex& e) {
    return fail(ErrorCode::invalid_argument,
                "cannot open log file \"" + file + "\": " + e.what());
  }
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
  m_logger->log(spd, "{}", message);
}

} // namespace ryax::infra::log
