#include "core/application/log.hpp"

#include <atomic>

namespace ryax::app::log {

namespace {
std::atomic<Sink*> g_sink{nullptr};
std::atomic<Level> g_threshold{Level::info};
} // namespace

void
set_sink(Sink* sink, Level threshold)
{
  g_sink.store(sink);
  g_threshold.store(threshold);
}

bool
enabled(Level level)
{
  return g_sink.load() != nullptr && level >= g_threshold.load()
         && level != Level::off;
}

void
write(Level level, std::string_view message)
{
  if (auto* sink = g_sink.load(); sink != nullptr && enabled(level)) {
    sink->write(level, message);
  }
}

bool
parse_level(std::string_view text, Level& level)
{
  static constexpr std::pair<std::string_view, Level> k_levels[] = {
    {"trace", Level::trace}, {"debug", Level::debug}, {"info", Level::info},
    {"warn", Level::warn},   {"error", Level::error}, {"off", Level::off},
  };
  for (const auto& [name, value] : k_levels) {
    if (name == text) {
      level = value;
      return true;
    }
  }
  return false;
}

std::string_view
to_string(Level level)
{
  switch (level) {
  case Level::trace:
    return "trace";
  case Level::debug:
    return "debug";
  case Level::info:
    return "info";
  case Level::warn:
    return "warn";
  case Level::error:
    return "error";
  case Level::off:
    return "off";
  }
  return "info";
}

} // namespace ryax::app::log
