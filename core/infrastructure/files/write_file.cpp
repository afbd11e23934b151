#include "core/infrastructure/files/write_file.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

namespace ryax::infra::files {

Result<void>
write_file_atomically(const std::filesystem::path& path,
                      std::string_view content,
                      mode_t mode)
{
  const auto tmp = path.string() + ".tmp";
  const int fd =
    ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return fail(ErrorCode::internal, fmt::format("cannot write \"{}\"", tmp));
  }
  const bool written = ::fchmod(fd, mode) == 0
                       && ::write(fd, content.data(), content.size())
                            == static_cast<ssize_t>(content.size())
                       && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return fail(ErrorCode::internal,
                fmt::format("cannot write \"{}\"", path.string()));
  }
  return {};
}

} // namespace ryax::infra::files
