// extract_archive: a tar archive checked in full, then written safely.

#include "core/infrastructure/filestore/archive.hpp"

#include "core/domain/path.hpp"
#include "core/infrastructure/filestore/archive_support.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

using namespace detail;

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
    const auto parent = join_path(parts, parts.empty() ? 0 : parts.size() - 1);
    if (!domain::is_lexically_within(
          parent.empty() ? planned.target : parent + "/" + planned.target,
          "")) {
      return refuse(
        fmt::format("symbolic link points outside (\"{}\")", planned.target));
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
