#pragma once

#include <string>
#include <string_view>

// Paths as text: '/'-separated, never looked up on disk. A symlink on the
// way can still lead out of a path these accept; infra::files::is_within
// checks against the file system.
namespace ryax::domain {

// `path` with repeated slashes, "." components and a trailing slash
// removed and each ".." folded into the component before it:
// "a/./b//../c/" -> "a/c". A relative path keeps the ".." it cannot fold
// ("../x"); an absolute one drops them ("/../x" -> "/x", as the kernel
// does). "" for a relative path that folds to nothing ("", ".", "a/..");
// "/" for the root.
std::string lexically_normal(std::string_view path);

// Whether `path` names `root` or something below it, by their text: both
// are folded by lexically_normal, then compared component by component,
// so "a/bc" is not within "a/b" and "a/b/../../x" is not within "a". A
// relative `root` of "" or "." holds every relative path that does not
// climb out of it. An absolute path is never within a relative root, nor
// the reverse.
bool is_lexically_within(std::string_view path, std::string_view root);

// Whether `path` is a relative path that stays inside the directory it is
// relative to whatever that is: not empty, no leading '/', and no ".."
// component at all ("a/b", "./a" and "." are; "../a", "a/../b" and "/a"
// are not). For names that users or archives give.
bool is_safe_relative_path(std::string_view path);

} // namespace ryax::domain
