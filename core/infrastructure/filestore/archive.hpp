#pragma once

#include "core/domain/error.hpp"

#include <string>
#include <vector>

// Directory values as tar archives (libarchive), shared by the run filestore
// and by `ryax runs results --download`.
namespace ryax::infra::filestore {

// Write the tree under `dir` as a tar archive at `archive_path`: entries
// sorted by path, relative to `dir`, with fixed owner and times so that the
// same tree always gives the same bytes. Regular files, directories and
// symbolic links whose target stays inside `dir`; invalid_argument naming
// the relative path of a link pointing outside, or of a special file.
// With `outside` set, such links are left out of the archive and listed
// there instead (action bundles: a venv's interpreter link, made again
// where the bundle is unpacked).
struct OutsideLink
{
  std::string path;   // relative to `dir`
  std::string target; // as read
};
Result<void> create_archive(const std::string& dir,
                            const std::string& archive_path,
                            std::vector<OutsideLink>* outside = nullptr);

// Extract the tar archive at `archive_path` into the existing directory
// `dest_dir`. invalid_argument naming the entry when one would escape it
// (absolute path, "..", a link pointing outside, a hard link) — nothing
// outside `dest_dir` is ever written; internal on I/O errors.
Result<void> extract_archive(const std::string& archive_path,
                             const std::string& dest_dir);

} // namespace ryax::infra::filestore
