// create_archive: a directory tree as a reproducible tar archive.

#include "core/infrastructure/filestore/archive.hpp"
#include "core/infrastructure/filestore/archive_support.hpp"
#include "core/infrastructure/process/unique_fd.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

using namespace detail;

Result<void>
write_file_data(archive* out, int fd, std::int64_t size, const std::string& rel)
{
  std::vector<char> buffer(k_copy_buffer);
  std::int64_t left = size;
  while (left > 0) {
    const auto want =
      static_cast<std::size_t>(std::min<std::int64_t>(left, k_copy_buffer));
    const auto got = ::read(fd, buffer.data(), want);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      return fail(ErrorCode::internal,
                  fmt::format("cannot read \"{}\": {}",
                              rel,
                              got == 0 ? "file shrank while archived"
                                       : std::strerror(errno)));
    }
    if (archive_write_data(out, buffer.data(), static_cast<std::size_t>(got)) <
        0) {
      return fail(ErrorCode::internal,
                  fmt::format("cannot archive \"{}\": {}",
                              rel,
                              archive_error_string(out)));
    }
    left -= got;
  }
  return {};
}

Result<void>
write_entry(archive* out,
            const std::string& dir,
            const std::string& rel,
            const struct stat& ignore,
            std::vector<OutsideLink>* outside)
{
  const auto full = dir + "/" + rel;
  struct stat st = {};
  if (::lstat(full.c_str(), &st) != 0) {
    return fail(
      ErrorCode::internal,
      fmt::format("cannot stat \"{}\": {}", rel, std::strerror(errno)));
  }
  if (st.st_dev == ignore.st_dev && st.st_ino == ignore.st_ino) {
    return {}; // the archive being written, inside the tree
  }
  Entry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), rel.c_str());
  archive_entry_set_mtime(entry.get(), 0, 0);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);

  if (S_ISDIR(st.st_mode)) {
    archive_entry_set_filetype(entry.get(), AE_IFDIR);
    archive_entry_set_perm(entry.get(), 0755);
    archive_entry_set_size(entry.get(), 0);
  } else if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const auto target = fs::read_symlink(full, ec).string();
    if (ec) {
      return fail(
        ErrorCode::internal,
        fmt::format("cannot read link \"{}\": {}", rel, ec.message()));
    }
    auto parent = split_path(rel);
    parent.pop_back();
    const auto resolution = resolve_link(dir, parent, target);
    if (resolution != Resolution::inside && outside != nullptr) {
      outside->push_back(OutsideLink{ rel, target });
      return {};
    }
    if (resolution != Resolution::inside) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("symbolic link \"{}\" {} (\"{}\")",
                              rel,
                              link_problem(resolution),
                              target));
    }
    archive_entry_set_filetype(entry.get(), AE_IFLNK);
    archive_entry_set_perm(entry.get(), 0777);
    archive_entry_set_symlink(entry.get(), target.c_str());
    archive_entry_set_size(entry.get(), 0);
  } else if (S_ISREG(st.st_mode)) {
    process::UniqueFd fd(
      ::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat opened = {};
    if (fd.get() < 0 || ::fstat(fd.get(), &opened) != 0) {
      return fail(
        ErrorCode::internal,
        fmt::format("cannot open \"{}\": {}", rel, std::strerror(errno)));
    }
    if (!S_ISREG(opened.st_mode)) {
      return fail(ErrorCode::internal,
                  fmt::format("\"{}\" changed while archived", rel));
    }
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), (opened.st_mode & 0111) ? 0755 : 0644);
    archive_entry_set_size(entry.get(), opened.st_size);
    if (archive_write_header(out, entry.get()) < ARCHIVE_WARN) {
      return fail(ErrorCode::internal,
                  fmt::format("cannot archive \"{}\": {}",
                              rel,
                              archive_error_string(out)));
    }
    return write_file_data(out, fd.get(), opened.st_size, rel);
  } else {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a regular file, directory or "
                            "symbolic link",
                            rel));
  }
  if (archive_write_header(out, entry.get()) < ARCHIVE_WARN) {
    return fail(
      ErrorCode::internal,
      fmt::format("cannot archive \"{}\": {}", rel, archive_error_string(out)));
  }
  return {};
}

Result<std::vector<std::string>>
list_tree(const std::string& dir)
{
  std::vector<std::string> rels;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    rels.push_back(it->path().lexically_relative(dir).string());
  }
  if (ec) {
    return fail(ErrorCode::internal,
                fmt::format("cannot list \"{}\": {}", dir, ec.message()));
  }
  // Byte order, so that the order does not depend on the locale; a
  // directory still comes before what it holds.
  std::sort(rels.begin(), rels.end());
  return rels;
}

Result<void>
write_archive(const std::string& dir,
              int fd,
              const struct stat& self,
              std::vector<OutsideLink>* outside)
{
  RYAX_TRY_ASSIGN(auto rels, list_tree(dir));
  WriteArchive out(archive_write_new());
  if (archive_write_set_format_pax_restricted(out.get()) != ARCHIVE_OK ||
      archive_write_open_fd(out.get(), fd) != ARCHIVE_OK) {
    return fail(
      ErrorCode::internal,
      fmt::format("cannot start archive: {}", archive_error_string(out.get())));
  }
  for (const auto& rel : rels) {
    RYAX_TRY(write_entry(out.get(), dir, rel, self, outside));
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) {
    return fail(ErrorCode::internal,
                fmt::format("cannot finish archive: {}",
                            archive_error_string(out.get())));
  }
  return {};
}

} // namespace

Result<void>
create_archive(const std::string& dir,
               const std::string& archive_path,
               std::vector<OutsideLink>* outside)
{
  struct stat st = {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a directory", dir));
  }
  process::UniqueFd fd(
    ::open(archive_path.c_str(),
           O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
           0644));
  struct stat self = {};
  if (fd.get() < 0 || ::fstat(fd.get(), &self) != 0) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create \"{}\": {}",
                            archive_path,
                            std::strerror(errno)));
  }
  auto written = write_archive(dir, fd.get(), self, outside);
  if (!written) {
    ::unlink(archive_path.c_str());
  }
  return written;
}

} // namespace ryax::infra::filestore
