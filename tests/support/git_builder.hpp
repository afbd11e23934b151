#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

struct git_repository;

namespace ryax::test {

// Builds REAL git repositories for tests with libgit2 (no `git` binary, no
// working tree): files live in memory as blobs of a bare repository, and
// commit() writes the trees and the commit. Fast enough for a 500-action
// benchmark repository.
//
//   TempDir tmp;
//   GitBuilder repo(tmp.path() / "actions.git");  // bare, branch "main"
//   repo.write("resize/ryax_metadata.yaml", "id: resize\n");
//   repo.write("resize/run.sh", "#!/bin/sh\n", GitBuilder::executable);
//   const std::string first = repo.commit("add resize");
//   repo.tag("v1");                          // lightweight
//   repo.annotated_tag("v1.0", "release");   // annotated
//   repo.checkout_branch("dev");             // new branch from the tip
//   repo.remove("resize");                   // a file or a whole directory
//   repo.commit("drop resize on dev");
//   // clone/fetch it from repo.url() ("file:///...") or repo.path()
//
// Commits have a fixed author and increasing timestamps, so ids are
// deterministic for a given sequence of calls. Every libgit2 failure throws
// std::runtime_error naming the operation (a failed test, not a crash).
class GitBuilder
{
public:
  // Pass to write() for an executable file (mode 100755).
  static constexpr bool executable = true;

  // Open the bare repository at `path`, or create it (with its parents) with
  // HEAD on `initial_branch`. The file set starts as the tip of the current
  // branch (empty when it has no commit).
  explicit GitBuilder(const std::filesystem::path& path,
                      const std::string& initial_branch = "main");
  ~GitBuilder();
  GitBuilder(const GitBuilder&) = delete;
  GitBuilder& operator=(const GitBuilder&) = delete;

  // The repository directory (usable as a local-path URL).
  const std::filesystem::path&
  path() const
  {
    return m_path;
  }

  // "file://" + path().
  std::string url() const;

  // Stage `content` at the '/'-separated `path`, replacing what was there.
  void write(const std::string& path,
             const std::string& content,
             bool is_executable = false);

  // Stage a symbolic link at `path` pointing to `target` (any text).
  void write_symlink(const std::string& path, const std::string& target);

  // Unstage the file at `path`, or every file under the directory `path`.
  // Throws when nothing matches.
  void remove(const std::string& path);

  // Commit the whole staged file set on the current branch (parent: its
  // tip) and return the new commit's full hex id.
  std::string commit(const std::string& message);

  // The current branch's tip, or "" before its first commit.
  std::string head() const;

  // The current branch ("main" by default).
  const std::string&
  current_branch() const
  {
    return m_branch;
  }

  // Create or force-move branch `name` to the current tip (or to
  // `commit_id`). Moving the current branch also reloads the file set.
  void branch(const std::string& name, const std::string& commit_id = "");

  // Make `name` current (HEAD, hence the default branch of a clone). It is
  // created at the current tip when missing; the file set becomes its tip.
  void checkout_branch(const std::string& name);

  // Delete branch `name` (not the current one).
  void delete_branch(const std::string& name);

  // Create or move the lightweight tag `name` to the current tip.
  void tag(const std::string& name);

  // Create or move the annotated tag `name` (a tag object) to the current
  // tip.
  void annotated_tag(const std::string& name, const std::string& message);

private:
  struct File
  {
    std::string blob_id; // hex
    int mode = 0;        // git_filemode_t
  };

  void load_files(const std::string& commit_id);
  std::string write_tree();

  std::filesystem::path m_path;
  git_repository* m_repo = nullptr;
  std::string m_branch;
  std::map<std::string, File> m_files;
  std::int64_t m_clock = 1'700'000'000;
};

} // namespace ryax::test
