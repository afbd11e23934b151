#pragma once

#include "core/application/log.hpp"
#include "core/domain/error.hpp"

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace ryax::infra::log {

// The daemon's log sink: one line per event, with a timestamp and level, to
// stderr or appended to a file.
class SpdlogSink : public app::log::Sink
{
public:
  // Log to `file`, or stderr when empty. invalid_argument naming the file
  // when it cannot be opened.
  static Result<std::unique_ptr<SpdlogSink>> create(const std::string& file);

  void write(app::log::Level level, std::string_view message) override;

private:
  explicit SpdlogSink(std::shared_ptr<spdlog::logger> logger);

  std::shared_ptr<spdlog::logger> m_logger;
};

} // namespace ryax::infra::log
