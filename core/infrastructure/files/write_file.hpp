#pragma once

#include "core/domain/error.hpp"

#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace ryax::infra::files {

// Replace the file at `path` with `content`, atomically: written to
// "PATH.tmp" with mode `mode` (whatever the umask), synced, then renamed
// over `path`. internal naming the path when any step fails.
Result<void> write_file_atomically(const std::filesystem::path& path,
                                   std::string_view content,
                                   mode_t mode);

} // namespace ryax::infra::files
