#pragma once

// Private to archive_write.cpp and archive_extract.cpp: libarchive owners and
// the path and link checks that creating and extracting an archive share.

#include "core/infrastructure/free_with.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::filestore::detail {

// Bytes read or written per call when copying file data.
inline constexpr std::size_t k_copy_buffer = 64 * 1024;

using ReadArchive = std::unique_ptr<archive, FreeWith<archive_read_free>>;
using WriteArchive = std::unique_ptr<archive, FreeWith<archive_write_free>>;
using Entry = std::unique_ptr<archive_entry, FreeWith<archive_entry_free>>;

// The components of `path` with "" and "." dropped ("a//./b" -> a, b);
// ".." is kept.
std::vector<std::string> split_path(std::string_view path);

// The first `count` of `parts` joined with '/'.
std::string join_path(const std::vector<std::string>& parts, std::size_t count);

// Where a symbolic link ends up, relative to the directory it must stay in.
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
Resolution resolve_link(const std::string& root,
                        std::vector<std::string> parent,
                        std::string_view target);

// "points outside the directory" or "cannot be resolved inside the
// directory", for a message about a link that is not `inside`.
std::string link_problem(Resolution resolution);

} // namespace ryax::infra::filestore::detail
