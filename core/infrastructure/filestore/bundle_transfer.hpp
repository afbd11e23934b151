#pragma once

#include "core/domain/error.hpp"
#include "core/infrastructure/filestore/archive.hpp"

#include <cstdint>
#include <string>
#include <vector>

// Action bundles as they travel to worker agents: one reproducible tar
// archive per bundle key, made once and cached, with the links that point
// outside the bundle (a venv's interpreter) listed beside it.
namespace ryax::infra::filestore {

struct BundleArchive
{
  std::string path;   // the archive
  std::string sha256; // of the archive, lower-case hex
  std::int64_t size = 0;
  std::vector<OutsideLink> links;
};

// The archive of the bundle directory `bundle_dir` of key `key`, made in
// `cache_dir` (<key>.tar and <key>.json) unless it is there already.
// internal on I/O errors.
Result<BundleArchive> pack_bundle(const std::string& bundle_dir,
                                  const std::string& cache_dir,
                                  const std::string& key);

// Unpack `archive` into the existing empty directory `dest_dir` and make
// `links` again. failed_precondition naming the target when a link points
// to an absolute path this machine lacks (the bundle's interpreter);
// invalid_argument for a link path that escapes `dest_dir`.
Result<void> unpack_bundle(const std::string& archive,
                           const std::vector<OutsideLink>& links,
                           const std::string& dest_dir);

// SHA-256 of the file at `path`, lower-case hex. internal when it cannot be
// read.
Result<std::string> sha256_file(const std::string& path);

} // namespace ryax::infra::filestore
