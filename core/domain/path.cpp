#include "core/domain/path.hpp"

#include <algorithm>
#include <vector>

namespace ryax::domain {

namespace {

// The components of lexically_normal(path), and whether it is absolute.
struct Components
{
  bool absolute = false;
  std::vector<std::string_view> parts;
};

Components
components(std::string_view path)
{
  Components result;
  result.absolute = path.starts_with('/');
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") {
      continue;
    }
    if (part != "..") {
      result.parts.push_back(part);
    } else if (!result.parts.empty() && result.parts.back() != "..") {
      result.parts.pop_back();
    } else if (!result.absolute) {
      result.parts.push_back(part); // climbs out: kept
    } // else dropped: "/.." is "/"
  }
  return result;
}

} // namespace

std::string
lexically_normal(std::string_view path)
{
  const auto normal = components(path);
  std::string text = normal.absolute ? "/" : "";
  for (std::size_t i = 0; i < normal.parts.size(); ++i) {
    text += (i == 0 ? "" : "/");
    text += normal.parts[i];
  }
  return text;
}

bool
is_lexically_within(std::string_view path, std::string_view root)
{
  const auto inner = components(path);
  const auto outer = components(root);
  if (inner.absolute != outer.absolute ||
      inner.parts.size() < outer.parts.size()) {
    return false;
  }
  for (std::size_t i = 0; i < outer.parts.size(); ++i) {
    if (inner.parts[i] != outer.parts[i]) {
      return false;
    }
  }
  // A folded path keeps its ".." first: one left after the root's
  // components climbs out of it ("../.." is not within "..", nor "../x"
  // within "").
  for (std::size_t i = outer.parts.size(); i < inner.parts.size(); ++i) {
    if (inner.parts[i] == "..") {
      return false;
    }
  }
  return true;
}

bool
is_safe_relative_path(std::string_view path)
{
  if (path.empty() || path.starts_with('/')) {
    return false;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    if (path.substr(start, end - start) == "..") {
      return false;
    }
    start = end + 1;
  }
  return true;
}

} // namespace ryax::domain
