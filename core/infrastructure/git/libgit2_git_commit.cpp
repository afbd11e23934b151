#include "core/infrastructure/git/libgit2_git_commit.hpp"

#include "core/domain/path.hpp"
#include "core/infrastructure/files/containment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace ryax::infra::git {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_metadata_file = "ryax_metadata.yaml";

} // namespace

Libgit2GitCommit::Libgit2GitCommit(Repository repo, Commit commit, Tree root)
  : m_repo(std::move(repo))
  , m_commit(std::move(commit))
  , m_root(std::move(root))
  , m_id(oid_hex(git_commit_id(m_commit.get())))
{
}

Result<Tree>
Libgit2GitCommit::lookup_tree(const git_oid* id, const std::string& path)
{
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, m_repo.get(), id) != 0) {
    return fail(ErrorCode::internal,
                "commit " + m_id + ": reading tree \"" + path +
                  "\": " + last_error_message());
  }
  return Tree(raw);
}

Result<std::vector<app::ActionDirectory>>
Libgit2GitCommit::find_action_directories()
{
  std::vector<app::ActionDirectory> found;
  // Depth-first over owned trees, so a deep tree cannot exhaust the stack.
  struct Pending
  {
    Tree tree;
    std::string path;
  };
  git_tree* root = nullptr;
  git_tree_dup(&root, m_root.get());
  std::vector<Pending> pending;
  pending.push_back({ Tree(root), "" });
  while (!pending.empty()) {
    Pending current = std::move(pending.back());
    pending.pop_back();
    const std::size_t count = git_tree_entrycount(current.tree.get());
    for (std::size_t i = 0; i < count; ++i) {
      const git_tree_entry* entry =
        git_tree_entry_byindex(current.tree.get(), i);
      const git_filemode_t mode = git_tree_entry_filemode(entry);
      const std::string_view name = git_tree_entry_name(entry);
      if (mode == GIT_FILEMODE_TREE) {
        std::string path = current.path.empty()
                             ? std::string(name)
                             : current.path + "/" + std::string(name);
        RYAX_TRY_ASSIGN(Tree child,
                        lookup_tree(git_tree_entry_id(entry), path));
        pending.push_back({ std::move(child), std::move(path) });
      } else if (name == k_metadata_file &&
                 (mode == GIT_FILEMODE_BLOB ||
                  mode == GIT_FILEMODE_BLOB_EXECUTABLE)) {
        found.push_back(
          { current.path, oid_hex(git_tree_id(current.tree.get())) });
      }
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.directory < b.directory;
  });
  return found;
}

Result<std::optional<std::string>>
Libgit2GitCommit::read_file(const std::string& path)
{
  git_tree_entry* raw_entry = nullptr;
  if (path.empty() ||
      git_tree_entry_bypath(&raw_entry, m_root.get(), path.c_str()) != 0) {
    return std::nullopt;
  }
  const TreeEntry entry(raw_entry);
  const git_filemode_t mode = git_tree_entry_filemode(entry.get());
  if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE) {
    return std::nullopt;
  }
  git_blob* raw_blob = nullptr;
  if (git_blob_lookup(
        &raw_blob, m_repo.get(), git_tree_entry_id(entry.get())) != 0) {
    return fail(ErrorCode::internal,
                "commit " + m_id + ": reading \"" + path +
                  "\": " + last_error_message());
  }
  const Blob blob(raw_blob);
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                     static_cast<std::size_t>(git_blob_rawsize(blob.get())));
}

Result<void>
Libgit2GitCommit::write_blob(const git_tree_entry* entry,
                             const fs::path& target)
{
  git_blob* raw_blob = nullptr;
  if (git_blob_lookup(&raw_blob, m_repo.get(), git_tree_entry_id(entry)) != 0) {
    return fail(ErrorCode::internal,
                "commit " + m_id + ": reading \"" + target.string() +
                  "\": " + last_error_message());
  }
  const Blob blob(raw_blob);
  const auto* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  auto size = static_cast<std::size_t>(git_blob_rawsize(blob.get()));
  const mode_t mode =
    git_tree_entry_filemode(entry) == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755
                                                                   : 0644;
  // O_EXCL|O_NOFOLLOW: never write through something already there.
  const int fd = ::open(
    target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    return fail(ErrorCode::internal,
                "writing \"" + target.string() + "\": " + std::strerror(errno));
  }
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      const int saved = errno;
      ::close(fd);
      return fail(ErrorCode::internal,
                  "writing \"" + target.string() +
                    "\": " + std::strerror(saved));
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  // The umask must not drop the executable bit git recorded.
  const int chmod_result = ::fchmod(fd, mode);
  if (::close(fd) != 0 || chmod_result != 0) {
    return fail(ErrorCode::internal,
                "writing \"" + target.string() + "\": " + std::strerror(errno));
  }
  return {};
}

Result<void>
Libgit2GitCommit::extract_directory(const std::string& directory,
                                    const std::string& destination)
{
  Tree start;
  if (directory.empty()) {
    git_tree* raw_start = nullptr;
    git_tree_dup(&raw_start, m_root.get());
    start.reset(raw_start);
  } else {
    git_tree_entry* raw_entry = nullptr;
    if (git_tree_entry_bypath(&raw_entry, m_root.get(), directory.c_str()) !=
        0) {
      return fail(ErrorCode::not_found,
                  "no directory \"" + directory + "\" in commit " + m_id);
    }
    const TreeEntry entry(raw_entry);
    if (git_tree_entry_filemode(entry.get()) != GIT_FILEMODE_TREE) {
      return fail(ErrorCode::not_found,
                  "\"" + directory + "\" is not a directory in commit " + m_id);
    }
    RYAX_TRY_ASSIGN(start,
                    lookup_tree(git_tree_entry_id(entry.get()), directory));
  }

  std::error_code ec;
  if (fs::exists(destination, ec) && !fs::is_empty(destination, ec)) {
    return fail(ErrorCode::failed_precondition,
                "extraction directory \"" + destination + "\" is not empty");
  }
  fs::create_directories(destination, ec);
  const fs::path root = fs::canonical(destination, ec);
  if (ec) {
    return fail(ErrorCode::internal,
                "creating \"" + destination + "\": " + ec.message());
  }

  struct Pending
  {
    Tree tree;
    fs::path relative;
  };
  struct Link
  {
    fs::path relative;
    std::string target;
  };
  std::vector<Pending> pending;
  pending.push_back({ std::move(start), {} });
  // Symlinks are created last, once no more files are written, so that no
  // write can go through one.
  std::vector<Link> links;
  while (!pending.empty()) {
    Pending current = std::move(pending.back());
    pending.pop_back();
    const std::size_t count = git_tree_entrycount(current.tree.get());
    for (std::size_t i = 0; i < count; ++i) {
      const git_tree_entry* entry =
        git_tree_entry_byindex(current.tree.get(), i);
      const std::string name = git_tree_entry_name(entry);
      const fs::path relative = current.relative / name;
      if (name.empty() || name == "." || name == ".." ||
          name.find('/') != std::string::npos) {
        return fail(ErrorCode::invalid_argument,
                    "entry \"" + relative.string() + "\" of \"" + directory +
                      "\" escapes the destination");
      }
      const fs::path target = root / relative;
      switch (git_tree_entry_filemode(entry)) {
        case GIT_FILEMODE_TREE: {
          fs::create_directory(target, ec);
          if (ec ||
              fs::symlink_status(target).type() != fs::file_type::directory) {
            return fail(ErrorCode::internal,
                        "creating directory \"" + target.string() + "\"");
          }
          RYAX_TRY_ASSIGN(
            Tree child,
            lookup_tree(git_tree_entry_id(entry), relative.string()));
          pending.push_back({ std::move(child), relative });
          break;
        }
        case GIT_FILEMODE_BLOB:
        case GIT_FILEMODE_BLOB_EXECUTABLE:
          RYAX_TRY(write_blob(entry, target));
          break;
        case GIT_FILEMODE_LINK: {
          git_blob* raw_blob = nullptr;
          if (git_blob_lookup(
                &raw_blob, m_repo.get(), git_tree_entry_id(entry)) != 0) {
            return fail(ErrorCode::internal,
                        "commit " + m_id + ": reading \"" + relative.string() +
                          "\": " + last_error_message());
          }
          const Blob blob(raw_blob);
          std::string link(
            static_cast<const char*>(git_blob_rawcontent(blob.get())),
            static_cast<std::size_t>(git_blob_rawsize(blob.get())));
          if (link.empty() || fs::path(link).is_absolute() ||
              !domain::is_lexically_within(
                (root / relative.parent_path() / link).string(),
                root.string())) {
            return fail(ErrorCode::invalid_argument,
                        "symlink \"" + relative.string() + "\" of \"" +
                          directory + "\" points outside it (\"" + link +
                          "\")");
          }
          links.push_back({ relative, std::move(link) });
          break;
        }
        default: // submodules have no content here
          break;
      }
    }
  }

  for (const Link& link : links) {
    fs::create_symlink(link.target, root / link.relative, ec);
    if (ec) {
      return fail(ErrorCode::internal,
                  "creating symlink \"" + (root / link.relative).string() +
                    "\": " + ec.message());
    }
  }
  // A lexically harmless target can still leave through another symlink
  // ("a/.." where a -> ".."): resolve each one for real.
  for (const Link& link : links) {
    if (!files::is_within(root / link.relative, root)) {
      fs::remove(root / link.relative, ec);
      return fail(ErrorCode::invalid_argument,
                  "symlink \"" + link.relative.string() + "\" of \"" +
                    directory + "\" points outside it (\"" + link.target +
                    "\")");
    }
  }
  return {};
}

} // namespace ryax::infra::git
