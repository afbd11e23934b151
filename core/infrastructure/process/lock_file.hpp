#pragma once

#include "core/domain/error.hpp"

#include <string>

namespace ryax::infra::process {

// An exclusive advisory lock (flock) on a file or a directory, held until
// destruction or release(). The lock follows the open file across fork().
// Locking a directory (ryaxd's data dir) depends on no file a user could
// delete to start a second daemon beside the first.
class LockFile
{
public:
  // Take the lock on `path`: a directory, or a file (created when
  // missing). failed_precondition when another process holds it; internal
  // when it cannot be opened.
  static Result<LockFile> acquire(const std::string& path);

  LockFile(LockFile&& other) noexcept;
  LockFile& operator=(LockFile&& other) noexcept;
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  ~LockFile();

  // Unlock and close now.
  void release();

private:
  explicit LockFile(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

} // namespace ryax::infra::process
