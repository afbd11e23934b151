#include "core/infrastructure/process/lock_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ryax::infra::process {

Result<LockFile>
LockFile::acquire(const std::string& path)
{
  struct stat info{};
  const bool directory =
    ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
  const int fd = directory
                   ? ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                   : ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return fail(ErrorCode::internal, "cannot open lock file \"" + path
                                       + "\": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return fail(ErrorCode::failed_precondition, "lock held: " + path);
    }
    return fail(ErrorCode::internal,
                "cannot lock \"" + path + "\": " + std::strerror(err));
  }
  return LockFile(fd);
}

LockFile::LockFile(LockFile&& other) noexcept : m_fd(other.m_fd)
{
  other.m_fd = -1;
}

LockFile&
LockFile::operator=(LockFile&& other) noexcept
{
  if (this != &other) {
    release();
    m_fd = other.m_fd;
    other.m_fd = -1;
  }
  return *this;
}

LockFile::~LockFile()
{
  release();
}

void
LockFile::release()
{
  if (m_fd >= 0) {
    ::flock(m_fd, LOCK_UN);
    ::close(m_fd);
    m_fd = -1;
  }
}

} // namespace ryax::infra::process
