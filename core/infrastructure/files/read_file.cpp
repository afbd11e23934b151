#include "core/infrastructure/files/read_file.hpp"

#include "core/infrastructure/process/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace ryax::infra::files {

namespace {

Error
failure(const std::filesystem::path& path, int error)
{
  auto code = ErrorCode::internal;
  if (error == ENOENT || error == ENOTDIR) {
    code = ErrorCode::not_found;
  } else if (error == EACCES || error == EPERM) {
    code = ErrorCode::permission_denied;
  } else if (error == EISDIR) {
    code = ErrorCode::invalid_argument;
  }
  return Error{ code,
                "cannot read \"" + path.string() +
                  "\": " + std::generic_category().message(error) };
}

} // namespace

Result<std::string>
read_file(const std::filesystem::path& path, std::uint64_t max_bytes)
{
  const process::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return std::unexpected(failure(path, errno));
  }
  struct stat st = {};
  if (::fstat(fd.get(), &st) != 0) {
    return std::unexpected(failure(path, errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return std::unexpected(failure(path, EISDIR));
  }
  const auto too_large = [&] {
    return fail(ErrorCode::invalid_argument,
                "cannot read \"" + path.string() + "\": larger than " +
                  std::to_string(max_bytes) + " bytes");
  };
  std::string content;
  if (S_ISREG(st.st_mode)) {
    // st_size is a hint (0 for /proc files): the loop reads to the end.
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
      return too_large();
    }
    content.reserve(static_cast<std::size_t>(st.st_size));
  }
  std::array<char, 65536> buffer;
  while (true) {
    const auto got = ::read(fd.get(), buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return std::unexpected(failure(path, errno));
    }
    if (got == 0) {
      return content;
    }
    if (content.size() + static_cast<std::uint64_t>(got) > max_bytes) {
      return too_large();
    }
    content.append(buffer.data(), static_cast<std::size_t>(got));
  }
}

} // namespace ryax::infra::files
