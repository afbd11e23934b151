#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

// The daemon's log facade. Application code logs through these functions; the
// composition root installs a Sink (spdlog in production, a capture in tests).
namespace ryax::app::log {

enum class Level { trace, debug, info, warn, error, off };

// Where log lines go. Implementations must be thread-safe.
class Sink
{
public:
  virtual ~Sink() = default;

  // Write one already-formatted event at `level`.
  virtual void write(Level level, std::string_view message) = 0;
};

// Install `sink` (not owned; nullptr drops everything) and the minimum level.
void set_sink(Sink* sink, Level threshold);

// Would an event at `level` be written?
bool enabled(Level level);

// Write `message` at `level` when enabled.
void write(Level level, std::string_view message);

// Parse "trace", "debug", "info", "warn", "error", "off".
bool parse_level(std::string_view text, Level& level);

// The spelling accepted by parse_level.
std::string_view to_string(Level level);

template<typename... Args>
void
emit(Level level, fmt::format_string<Args...> format, Args&&... args)
{
  if (enabled(level)) {
    write(level, fmt::format(format, std::forward<Args>(args)...));
  }
}

// Events an operator may want to trace while debugging.
template<typename... Args>
void
debug(fmt::format_string<Args...> format, Args&&... args)
{
  emit(Level::debug, format, std::forward<Args>(args)...);
}

// State changes: start, deploy, run end. Ids first.
template<typename... Args>
void
info(fmt::format_string<Args...> format, Args&&... args)
{
  emit(Level::info, format, std::forward<Args>(args)...);
}

// Something unexpected that the daemon worked around.
template<typename... Args>
void
warn(fmt::format_string<Args...> format, Args&&... args)
{
  emit(Level::warn, format, std::forward<Args>(args)...);
}

// An operator must act.
template<typename... Args>
void
error(fmt::format_string<Args...> format, Args&&... args)
{
  emit(Level::error, format, std::forward<Args>(args)...);
}

} // namespace ryax::app::log

namespace ryax::app {

// A credential. Formatting it, in a log line or anywhere, prints "***".
struct Secret
{
  std::string value;
};

} // namespace ryax::app

template<> struct fmt::formatter<ryax::app::Secret> : fmt::formatter<std::string_view>
{
  template<typename Context>
  auto
  format(const ryax::app::Secret&, Context& ctx) const
  {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
