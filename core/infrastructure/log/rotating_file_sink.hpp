#pragma once

#include <spdlog/details/file_helper.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <cstddef>
#include <string>

namespace ryax::infra::log {

// A file sink rotated by size as logrotate names files: past `max_size`
// bytes, FILE.(keep-1) becomes FILE.keep, ..., FILE becomes FILE.1, and a new
// FILE is started. (spdlog's rotating sink names them FILE-STEM.1.EXT.)
// Not thread-safe: SpdlogSink serializes writes.
class RotatingFileSink : public spdlog::sinks::base_sink<spdlog::details::null_mutex>
{
public:
  // Append to `file` (created when missing). Throws spdlog::spdlog_ex when
  // it cannot be opened.
  RotatingFileSink(std::string file, std::size_t max_size, std::size_t keep);

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

private:
  // Shift the rotated files by one and start FILE empty. A rename that
  // fails (a file removed meanwhile) is skipped.
  void rotate();

  std::string m_file;
  std::size_t m_max_size;
  std::size_t m_keep;
  std::size_t m_size = 0;
  spdlog::details::file_helper m_helper;
};

} // namespace ryax::infra::log
