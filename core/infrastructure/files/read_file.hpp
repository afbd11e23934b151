#pragma once

#include "core/domain/error.hpp"

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

namespace ryax::infra::files {

// No limit on what read_file reads.
inline constexpr std::uint64_t k_no_size_limit =
  std::numeric_limits<std::uint64_t>::max();

// The whole content of the file at `path`, byte for byte. Reads until the
// end, so /proc files and pipes work too. Give `max_bytes` when a user
// controls the file: more than that fails instead of filling memory. The
// message always names the path, `cannot read "PATH": REASON`:
// not_found when nothing is there, permission_denied when it may not be
// read, invalid_argument for a directory or more than `max_bytes` ("larger
// than N bytes"), internal for any other failure of the system.
Result<std::string> read_file(const std::filesystem::path& path,
                              std::uint64_t max_bytes = k_no_size_limit);

} // namespace ryax::infra::files
