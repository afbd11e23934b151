#include "daemon/agent/log_buffer.hpp"

#include "core/application/log.hpp"

#include <filesystem>
#include <fstream>
#include <vector>

namespace fs = std::filesystem;

namespace ryax::daemon::agent {

LogBuffer::LogBuffer(std::string dir, std::uint64_t max_bytes)
  : m_dir(std::move(dir)), m_max_bytes(max_bytes)
{
  // Lines kept by a previous run of the worker count too.
  std::error_code ec;
  for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    m_bytes += it->file_size(ec);
  }
}

void
LogBuffer::add(const v1::AgentLog& line)
{
  const auto bytes = line.SerializeAsString();
  std::lock_guard lock(m_mutex);
  if (m_bytes + bytes.size() + 4 > m_max_bytes) {
    if (m_dropped++ == 0) {
      app::log::warn("the log buffer of the link is full ({} bytes): later "
                     "lines are dropped until the link is back",
                     m_max_bytes);
    }
    return;
  }
  std::error_code ec;
  fs::create_directories(m_dir, ec);
  // Execution ids are "run-....step.branch.attempt": safe as file names.
  std::ofstream out(m_dir + "/" + line.execution_id() + ".log",
                    std::ios::binary | std::ios::app);
  const std::uint32_t size = static_cast<std::uint32_t>(bytes.size());
  const char header[4] = { static_cast<char>(size & 0xff),
                           static_cast<char>((size >> 8) & 0xff),
                           static_cast<char>((size >> 16) & 0xff),
                           static_cast<char>((size >> 24) & 0xff) };
  out.write(header, 4);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  m_bytes += bytes.size() + 4;
}

std::uint64_t
LogBuffer::flush(const std::function<bool(const v1::AgentLog&)>& send)
{
  std::lock_guard lock(m_mutex);
  std::uint64_t sent = 0;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(m_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    files.push_back(it->path());
  }
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    char header[4];
    while (in.read(header, 4)) {
      const std::uint32_t size =
        static_cast<std::uint32_t>(static_cast<unsigned char>(header[0]))
        | static_cast<std::uint32_t>(static_cast<unsigned char>(header[1])) << 8
        | static_cast<std::uint32_t>(static_cast<unsigned char>(header[2])) << 16
        | static_cast<std::uint32_t>(static_cast<unsigned char>(header[3])) << 24;
      std::string bytes(size, '\0');
      v1::AgentLog line;
      if (!in.read(bytes.data(), size) || !line.ParseFromString(bytes)) {
        break; // a torn last record: the rest of this file is lost
      }
      if (!send(line)) {
        return sent; // the link went again: this file stays
      }
      ++sent;
    }
    const auto size = fs::file_size(file, ec);
    m_bytes -= std::min<std::uint64_t>(m_bytes, ec ? 0 : size);
    fs::remove(file, ec);
  }
  return sent;
}

std::uint64_t
LogBuffer::dropped() const
{
  std::lock_guard lock(m_mutex);
  return m_dropped;
}

} // namespace ryax::daemon::agent
