#pragma once

#include <filesystem>

namespace ryax::infra::files {

// Whether is_within counts the root itself as within it.
enum class RootItself { within, outside };

// Whether `path` names `root` or something below it once both are resolved
// on disk: symlinks followed and "." and ".." folded, as
// std::filesystem::weakly_canonical does (a tail that does not exist yet
// is taken as written), then compared by whole components, so "/a/bc" is
// not within "/a/b". A symlink below `root` pointing out of it is not
// within. `root_itself` says whether `root` itself counts. False when
// either cannot be resolved (a permission denied on the way). For what is
// only text, domain::is_lexically_within.
bool is_within(const std::filesystem::path& path,
               const std::filesystem::path& root,
               RootItself root_itself = RootItself::within);

} // namespace ryax::infra::files
