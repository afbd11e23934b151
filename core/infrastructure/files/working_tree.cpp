#include "core/infrastructure/files/working_tree.hpp"

#include "core/infrastructure/files/read_file.hpp"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace ryax::infra::files {

namespace {

constexpr std::uint64_t k_max_file = std::uint64_t{ 16 } << 20;

} // namespace

WorkingTree::WorkingTree(std::string root)
  : m_root(std::move(root))
{
}

const std::string&
WorkingTree::commit_id() const
{
  return m_commit_id;
}

Result<std::vector<app::ActionDirectory>>
WorkingTree::find_action_directories()
{
  std::error_code ec;
  if (!fs::is_directory(m_root, ec)) {
    return fail(ErrorCode::not_found,
                "no directory \"" + m_root + "\"");
  }
  std::vector<app::ActionDirectory> found;
  fs::recursive_directory_iterator it(m_root, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto& entry = *it;
    if (entry.path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (entry.path().filename() == "ryax_metadata.yaml"
        && entry.symlink_status(ec).type() == fs::file_type::regular) {
      const auto relative =
        entry.path().parent_path().lexically_relative(m_root).generic_string();
      found.push_back({ relative == "." ? "" : relative, "" });
    }
  }
  if (ec) {
    return fail(ErrorCode::internal,
                "cannot list \"" + m_root + "\": " + ec.message());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.directory < b.directory;
  });
  return found;
}

Result<std::optional<std::string>>
WorkingTree::read_file(const std::string& path)
{
  const auto full = fs::path(m_root) / path;
  std::error_code ec;
  if (fs::symlink_status(full, ec).type() != fs::file_type::regular) {
    return std::optional<std::string>();
  }
  RYAX_TRY_ASSIGN(auto content, files::read_file(full, k_max_file));
  return std::optional<std::string>(std::move(content));
}

Result<void>
WorkingTree::extract_directory(const std::string& /*directory*/,
                               const std::string& /*destination*/)
{
  return fail(ErrorCode::failed_precondition,
              "a working tree is read in place, not extracted");
}

} // namespace ryax::infra::files
