#include "core/infrastructure/sqlite/space_reserve.hpp"

#include "core/application/log.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace ryax::infra::sqlite {

namespace {

constexpr std::int64_t k_min_bytes = 1LL << 20;
constexpr std::int64_t k_max_bytes = 16LL << 20;

// The reserve's size on the file system holding `path`.
std::int64_t
reserve_bytes(const std::string& path)
{
  struct statvfs fs = {};
  if (::statvfs(path.c_str(), &fs) != 0) {
    return k_min_bytes;
  }
  const auto total = static_cast<std::int64_t>(fs.f_blocks) * static_cast<std::int64_t>(fs.f_frsize);
  return std::clamp(total / 64, k_min_bytes, k_max_bytes);
}

} // namespace

SpaceReserve::SpaceReserve(std::string database_path)
  : m_path(std::move(database_path) + ".reserve")
{
}

bool
SpaceReserve::keep()
{
  if (::access(m_path.c_str(), F_OK) == 0) {
    return true;
  }
  const auto dir = m_path.substr(0, m_path.find_last_of('/') + 1);
  const auto bytes = reserve_bytes(dir.empty() ? "." : dir);
  const int fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return false;
  }
  // Real blocks, not a sparse file: posix_fallocate, else zeros.
  bool ok = ::posix_fallocate(fd, 0, bytes) == 0;
  if (!ok) {
    static const char zeros[65536] = {};
    ok = true;
    for (std::int64_t done = 0; ok && done < bytes;) {
      const auto n = ::write(fd, zeros, static_cast<std::size_t>(std::min<std::int64_t>(sizeof zeros, bytes - done)));
      ok = n > 0;
      done += n > 0 ? n : 0;
    }
  }
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(m_path.c_str());
  }
  return ok;
}

bool
SpaceReserve::release()
{
  if (::unlink(m_path.c_str()) != 0) {
    return false;
  }
  app::log::warn("the disk of {} is full: its space reserve is released so "
                 "that runs can be removed; free space",
                 m_path);
  return true;
}

} // namespace ryax::infra::sqlite
