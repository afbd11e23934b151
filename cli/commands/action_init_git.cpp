#include "cli/commands/action_init_git.hpp"

#include "core/infrastructure/process/subprocess.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>
#include <vector>

namespace fs = std::filesystem;

namespace ryax::cli {

namespace {

struct GitOutput
{
  int exit_code = 0;
  std::string output; // stdout and stderr, lines joined by "; "
};

Result<GitOutput>
git(const std::string& cwd, std::vector<std::string> args)
{
  args.insert(args.begin(), "git");
  infra::process::ProcessSpec spec;
  spec.argv = std::move(args);
  spec.cwd = cwd;
  spec.timeout = std::chrono::seconds(30);
  GitOutput result;
  RYAX_TRY_ASSIGN(result.exit_code,
                  infra::process::run_process(spec, [&](std::string_view line) {
                    result.output += (result.output.empty() ? "" : "; ");
                    result.output += line;
                  }));
  return result;
}

Result<void>
git_ok(const std::string& cwd, const std::vector<std::string>& args)
{
  RYAX_TRY_ASSIGN(const auto result, git(cwd, args));
  if (result.exit_code != 0) {
    return fail(ErrorCode::internal,
                fmt::format("\"git {}\" in \"{}\" failed: {}",
                            fmt::join(args, " "), cwd, result.output));
  }
  return {};
}

} // namespace

std::string
action_parent(const std::string& directory)
{
  auto path = fs::absolute(directory).lexically_normal();
  if (!path.has_filename()) {
    path = path.parent_path(); // "a/b/" -> "a/b"
  }
  return path.parent_path().string();
}

Result<std::string>
commit_new_action(const std::string& directory, bool parent_was_new)
{
  const auto parent = action_parent(directory);
  const auto name = fs::path(parent).empty()
                      ? directory
                      : fs::relative(fs::absolute(directory), parent).string();
  if (!infra::process::find_on_path("git")) {
    return fmt::format("git is not installed: ryax scans git repositories, "
                       "so make \"{}\" one (git init, add, commit) before "
                       "ryax repo add",
                       parent);
  }
  RYAX_TRY_ASSIGN(const auto inside,
                  git(parent, { "rev-parse", "--show-toplevel" }));
  if (inside.exit_code == 0) {
    return fmt::format("commit {} in the git repository {} before ryax repo "
                       "scan: ryax scans commits, not the working tree",
                       directory, inside.output);
  }
  if (!parent_was_new) {
    return fmt::format("\"{}\" is not a git repository: ryax scans git "
                       "repositories, so run git init there and commit {} "
                       "before ryax repo add",
                       parent, name);
  }
  RYAX_TRY(git_ok(parent, { "init", "--quiet" }));
  RYAX_TRY(git_ok(parent, { "add", "--", name }));
  std::vector<std::string> commit = { "commit", "--quiet", "--message",
                                      "Add action " + name };
  RYAX_TRY_ASSIGN(const auto email, git(parent, { "config", "user.email" }));
  if (email.exit_code != 0) {
    commit.insert(commit.begin(),
                  { "-c", "user.name=ryax", "-c", "user.email=ryax@localhost" });
  }
  RYAX_TRY(git_ok(parent, commit));
  return fmt::format("created git repository {} with {} in a first commit: "
                     "ryax repo add NAME {}",
                     parent, name, parent);
}

} // namespace ryax::cli
