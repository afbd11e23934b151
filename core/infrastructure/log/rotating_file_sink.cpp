#include "core/infrastructure/log/rotating_file_sink.hpp"

#include <cstdio>
#include <string>

namespace ryax::infra::log {

RotatingFileSink::RotatingFileSink(std::string file, std::size_t max_size,
                                   std::size_t keep)
  : m_file(std::move(file)), m_max_size(max_size), m_keep(keep)
{
  m_helper.open(m_file, false);
  m_size = m_helper.size();
}

void
RotatingFileSink::sink_it_(const spdlog::details::log_msg& msg)
{
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  // A line longer than max_size alone still goes to a file of its own.
  if (m_size > 0 && m_size + formatted.size() > m_max_size) {
    rotate();
  }
  m_helper.write(formatted);
  m_size += formatted.size();
}

void
RotatingFileSink::flush_()
{
  m_helper.flush();
}

void
RotatingFileSink::rotate()
{
  m_helper.close();
  const auto name = [&](std::size_t index) {
    return index == 0 ? m_file : m_file + "." + std::to_string(index);
  };
  for (std::size_t i = m_keep; i > 0; --i) {
    // rename() replaces FILE.keep, the oldest, which is dropped.
    std::rename(name(i - 1).c_str(), name(i).c_str());
  }
  m_helper.open(m_file, true);
  m_size = 0;
}

} // namespace ryax::infra::log
