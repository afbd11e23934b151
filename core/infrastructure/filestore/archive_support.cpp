#include "core/infrastructure/filestore/archive_support.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <deque>
#include <filesystem>

namespace fs = std::filesystem;

namespace ryax::infra::filestore::detail {

namespace {

// Linux gives up after 40 links in one path; so do we.
constexpr int k_max_link_expansions = 40;

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

} // namespace

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

} // namespace ryax::infra::filestore::detail
