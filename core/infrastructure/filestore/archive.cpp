#include "core/infrastructure/filestore/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <set>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

// Linux gives up after 40 links in one path; so do we.
constexpr int k_max_link_expansions = 40;
constexpr std::size_t k_copy_buffer = 64 * 1024;

// A unique_ptr deleter calling libarchive's `free_fn`.
template<auto free_fn>
struct Free
{
  template<typename T>
  void
  operator()(T* object) const
  {
    free_fn(object);
  }
};
using ReadArchive = std::unique_ptr<archive, Free<archive_read_free>>;
using WriteArchive = std::unique_ptr<archive, Free<archive_write_free>>;
using Entry = std::unique_ptr<archive_entry, Free<archive_entry_free>>;

class Fd
{
public:
  explicit Fd(int fd)
    : m_fd(fd)
  {
  }
  ~Fd()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int
  get() const
  {
    return m_fd;
  }

private:
  int m_fd;
};

// The components of `path` with "" and "." dropped ("a//./b" -> a, b);
// ".." is kept.
std::vector<std::string>
split_path(std::string_view path)
{
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    const auto part = path.substr(start, end - start);
    if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    start = end + 1;
  }
  return parts;
}

std::string
join_path(const std::vector<std::string>& parts, std::size_t count)
{
  std::string joined;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) {
      joined += '/';
    }
    joined += parts[i];
  }
  return joined;
}

enum class Kind
{
  missing,
  symlink,
  other,
  unknown, // lstat failed for another reason than absence
};

struct Node
{
  Kind kind = Kind::missing;
  std::string target; // of a symlink
};

Node
inspect(const std::string& root, const std::vector<std::string>& parts)
{
  const auto path = root + "/" + join_path(parts, parts.size());
  struct stat st = {};
  if (::lstat(path.c_str(), &st) != 0) {
    return Node{ errno == ENOENT || errno == ENOTDIR ? Kind::missing
                                                     : Kind::unknown,
                 {} };
  }
  if (!S_ISLNK(st.st_mode)) {
    return Node{ Kind::other, {} };
  }
  std::error_code ec;
  auto target = fs::read_symlink(path, ec);
  if (ec) {
    return Node{ Kind::unknown, {} };
  }
  return Node{ Kind::symlink, target.string() };
}

enum class Resolution
{
  inside,
  outside,
  unresolvable,
};

// Where the symbolic link with target `target`, in the directory `parent`
// (components relative to `root`, none of them a link), ends up. Links met
// on the way are followed as the kernel would. A missing component may be
// created later (by a later archive entry) as a link, so nothing after it
// may climb with "..".
Resolution
resolve_link(const std::string& root,
             std::vector<std::string> parent,
             std::string_view target)
{
  if (target.empty() || target.front() == '/') {
    return Resolution::outside;
  }
  auto first = split_path(target);
  std::deque<std::string> pending(first.begin(), first.end());
  auto& stack = parent;
  bool after_missing = false;
  int expansions = 0;
  while (!pending.empty()) {
    auto part = std::move(pending.front());
    pending.pop_front();
    if (part == "..") {
      if (after_missing) {
        return Resolution::unresolvable;
      }
      if (stack.empty()) {
        return Resolution::outside;
      }
      stack.pop_back();
      continue;
    }
    stack.push_back(std::move(part));
    if (after_missing) {
      continue;
    }
    auto node = inspect(root, stack);
    if (node.kind == Kind::unknown) {
      return Resolution::unresolvable;
    }
    if (node.kind == Kind::missing) {
      after_missing = true;
    } else if (node.kind == Kind::symlink) {
      if (++expansions > k_max_link_expansions) {
        return Resolution::unresolvable;
      }
      stack.pop_back();
      if (node.target.empty() || node.target.front() == '/') {
        return Resolution::outside;
      }
      auto parts = split_path(node.target);
      pending.insert(pending.begin(), parts.begin(), parts.end());
    }
  }
  return Resolution::inside;
}

std::string
link_problem(Resolution resolution)
{
  return resolution == Resolution::outside ? "points outside the directory"
                                           : "cannot be resolved inside the "
                                             "directory";
}

// --- Writing -----------------------------------------------------------

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
            const struct stat& ignore)
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
    Fd fd(::open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
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
write_archive(const std::string& dir, int fd, const struct stat& self)
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
    RYAX_TRY(write_entry(out.get(), dir, rel, self));
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) {
    return fail(ErrorCode::internal,
                fmt::format("cannot finish archive: {}",
                            archive_error_string(out.get())));
  }
  return {};
}

// --- Reading -----------------------------------------------------------

// A read that went through (a warning is about charsets or metadata).
bool
read_ok(int status)
{
  return status == ARCHIVE_OK || status == ARCHIVE_WARN;
}

// One entry of the archive, as checked before anything is written.
struct Planned
{
  std::string rel; // normalized: no "", "." or ".." component; "" for "./"
  mode_t type = 0;
  std::string target; // of a symlink
};

Result<ReadArchive>
open_archive(const std::string& path)
{
  ReadArchive in(archive_read_new());
  archive_read_support_format_tar(in.get());
  if (archive_read_open_filename(in.get(), path.c_str(), k_copy_buffer) !=
      ARCHIVE_OK) {
    return fail(ErrorCode::internal,
                fmt::format("cannot open archive \"{}\": {}",
                            path,
                            archive_error_string(in.get())));
  }
  return in;
}

// Check what the archive alone tells: names, types, link targets.
Result<Planned>
plan_entry(archive_entry* entry)
{
  const char* raw = archive_entry_pathname(entry);
  if (raw == nullptr) {
    raw = archive_entry_pathname_utf8(entry);
  }
  const std::string name = raw == nullptr ? "" : raw;
  auto refuse = [&](std::string_view why) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("archive entry \"{}\": {}", name, why));
  };
  if (name.empty()) {
    return refuse("empty path");
  }
  if (name.front() == '/') {
    return refuse("absolute path");
  }
  const auto parts = split_path(name);
  if (std::find(parts.begin(), parts.end(), "..") != parts.end()) {
    return refuse("path contains \"..\"");
  }
  Planned planned{ join_path(parts, parts.size()),
                   archive_entry_filetype(entry),
                   {} };
  if (archive_entry_hardlink(entry) != nullptr) {
    return refuse("hard links are not allowed");
  }
  if (planned.type == AE_IFLNK) {
    const char* target = archive_entry_symlink(entry);
    planned.target = target == nullptr ? "" : target;
    if (planned.target.empty() || planned.target.front() == '/') {
      return refuse(
        fmt::format("symbolic link points outside (\"{}\")", planned.target));
    }
    // Lexically first; against the disk when the link is created.
    std::vector<std::string> stack(parts.begin(), parts.end());
    if (!stack.empty()) {
      stack.pop_back();
    }
    for (const auto& part : split_path(planned.target)) {
      if (part != "..") {
        stack.push_back(part);
      } else if (stack.empty()) {
        return refuse(
          fmt::format("symbolic link points outside (\"{}\")", planned.target));
      } else {
        stack.pop_back();
      }
    }
  } else if (planned.type != AE_IFREG && planned.type != AE_IFDIR) {
    return refuse("not a regular file, directory or symbolic link");
  }
  if (planned.rel.empty() && planned.type != AE_IFDIR) {
    return refuse("not a directory");
  }
  return planned;
}

// Read every header once and refuse the archive before anything is written.
Result<void>
check_archive(const std::string& archive_path)
{
  RYAX_TRY_ASSIGN(auto in, open_archive(archive_path));
  std::vector<Planned> entries;
  std::set<std::string> links;
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while (read_ok(status = archive_read_next_header(in.get(), &entry))) {
    RYAX_TRY_ASSIGN(auto planned, plan_entry(entry));
    if (planned.type == AE_IFLNK) {
      links.insert(planned.rel);
    }
    entries.push_back(std::move(planned));
  }
  if (status != ARCHIVE_EOF) {
    return fail(ErrorCode::internal,
                fmt::format("cannot read archive \"{}\": {}",
                            archive_path,
                            archive_error_string(in.get())));
  }
  for (const auto& planned : entries) {
    const auto parts = split_path(planned.rel);
    for (std::size_t i = 1; i < parts.size(); ++i) {
      if (links.contains(join_path(parts, i))) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("archive entry \"{}\": goes through the "
                                "symbolic link \"{}\"",
                                planned.rel,
                                join_path(parts, i)));
      }
    }
  }
  return {};
}

// Check `rel` against what `dest` holds now: no existing link on the way,
// nothing already there (except a directory for a directory).
Result<void>
check_destination(const std::string& dest, const std::string& rel, mode_t type)
{
  const auto parts = split_path(rel);
  for (std::size_t i = 1; i <= parts.size(); ++i) {
    const auto path = dest + "/" + join_path(parts, i);
    struct stat st = {};
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        return {};
      }
      return fail(
        ErrorCode::invalid_argument,
        fmt::format("archive entry \"{}\": {}", rel, std::strerror(errno)));
    }
    const bool last = i == parts.size();
    if (S_ISLNK(st.st_mode)) {
      return fail(
        ErrorCode::invalid_argument,
        fmt::format("archive entry \"{}\": {}",
                    rel,
                    last ? "already exists" : "goes through a symbolic link"));
    }
    if (!S_ISDIR(st.st_mode) || (last && type != AE_IFDIR)) {
      return fail(
        ErrorCode::invalid_argument,
        fmt::format("archive entry \"{}\": {}",
                    rel,
                    last ? "already exists" : "goes through a non-directory"));
    }
  }
  return {};
}

Result<void>
disk_failure(archive* disk, const std::string& rel)
{
  // libarchive's own checks (the second line of defence) set no errno.
  return fail(
    archive_errno(disk) > 0 ? ErrorCode::internal : ErrorCode::invalid_argument,
    fmt::format("cannot extract \"{}\": {}", rel, archive_error_string(disk)));
}

Result<void>
copy_data(archive* in, archive* disk, const std::string& rel)
{
  const void* block = nullptr;
  std::size_t size = 0;
  la_int64_t offset = 0;
  int status = ARCHIVE_OK;
  while (
    read_ok(status = archive_read_data_block(in, &block, &size, &offset))) {
    if (archive_write_data_block(disk, block, size, offset) < ARCHIVE_OK) {
      return disk_failure(disk, rel);
    }
  }
  if (status != ARCHIVE_EOF) {
    return fail(
      ErrorCode::internal,
      fmt::format("cannot read \"{}\": {}", rel, archive_error_string(in)));
  }
  return {};
}

Result<void>
write_header(archive* disk, archive_entry* entry, const std::string& rel)
{
  if (archive_write_header(disk, entry) < ARCHIVE_WARN) {
    return disk_failure(disk, rel);
  }
  return {};
}

Result<void>
extract_checked(const std::string& archive_path, const std::string& dest)
{
  RYAX_TRY_ASSIGN(auto in, open_archive(archive_path));
  WriteArchive disk(archive_write_disk_new());
  archive_write_disk_set_options(disk.get(),
                                 ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                   ARCHIVE_EXTRACT_NO_OVERWRITE);

  // Links last, once every directory and file is in place, so that each is
  // checked against the final tree.
  std::vector<Planned> links;
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while (read_ok(status = archive_read_next_header(in.get(), &entry))) {
    RYAX_TRY_ASSIGN(auto planned, plan_entry(entry));
    if (planned.rel.empty()) {
      continue;
    }
    if (planned.type == AE_IFLNK) {
      links.push_back(std::move(planned));
      continue;
    }
    RYAX_TRY(check_destination(dest, planned.rel, planned.type));
    const auto full = dest + "/" + planned.rel;
    archive_entry_set_pathname(entry, full.c_str());
    const bool executable = (archive_entry_perm(entry) & 0111) != 0;
    archive_entry_set_perm(
      entry, planned.type == AE_IFDIR || executable ? 0755 : 0644);
    RYAX_TRY(write_header(disk.get(), entry, planned.rel));
    if (planned.type == AE_IFREG) {
      RYAX_TRY(copy_data(in.get(), disk.get(), planned.rel));
    }
    if (archive_write_finish_entry(disk.get()) < ARCHIVE_WARN) {
      return disk_failure(disk.get(), planned.rel);
    }
  }
  if (status != ARCHIVE_EOF) {
    return fail(ErrorCode::internal,
                fmt::format("cannot read archive \"{}\": {}",
                            archive_path,
                            archive_error_string(in.get())));
  }

  for (const auto& link : links) {
    RYAX_TRY(check_destination(dest, link.rel, link.type));
    auto parent = split_path(link.rel);
    parent.pop_back();
    const auto resolution = resolve_link(dest, parent, link.target);
    if (resolution != Resolution::inside) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("archive entry \"{}\": symbolic link {} (\"{}\")",
                              link.rel,
                              link_problem(resolution),
                              link.target));
    }
    Entry made(archive_entry_new());
    const auto full = dest + "/" + link.rel;
    archive_entry_set_pathname(made.get(), full.c_str());
    archive_entry_set_filetype(made.get(), AE_IFLNK);
    archive_entry_set_perm(made.get(), 0777);
    archive_entry_set_symlink(made.get(), link.target.c_str());
    RYAX_TRY(write_header(disk.get(), made.get(), link.rel));
    if (archive_write_finish_entry(disk.get()) < ARCHIVE_WARN) {
      return disk_failure(disk.get(), link.rel);
    }
  }
  if (archive_write_close(disk.get()) < ARCHIVE_WARN) {
    return fail(ErrorCode::internal,
                fmt::format("cannot extract into \"{}\": {}",
                            dest,
                            archive_error_string(disk.get())));
  }
  return {};
}

} // namespace

Result<void>
create_archive(const std::string& dir, const std::string& archive_path)
{
  struct stat st = {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a directory", dir));
  }
  Fd fd(::open(archive_path.c_str(),
               O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
               0644));
  struct stat self = {};
  if (fd.get() < 0 || ::fstat(fd.get(), &self) != 0) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create \"{}\": {}",
                            archive_path,
                            std::strerror(errno)));
  }
  auto written = write_archive(dir, fd.get(), self);
  if (!written) {
    ::unlink(archive_path.c_str());
  }
  return written;
}

Result<void>
extract_archive(const std::string& archive_path, const std::string& dest_dir)
{
  // Canonical, so that no link in the destination's own path trips
  // ARCHIVE_EXTRACT_SECURE_SYMLINKS. Entries are written by absolute path,
  // hence no ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS: plan_entry refuses
  // absolute names before they are prefixed.
  std::error_code ec;
  const auto dest = fs::canonical(dest_dir, ec).string();
  if (ec || !fs::is_directory(dest, ec)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a directory", dest_dir));
  }
  RYAX_TRY(check_archive(archive_path));
  return extract_checked(archive_path, dest);
}

} // namespace ryax::infra::filestore
