#include "core/infrastructure/git/libgit2_git_repository.hpp"
#include "tests/support/git_builder.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <netinet/in.h>
#include <string>
#include <thread>

using ryax::ErrorCode;
using ryax::app::GitCommit;
using ryax::app::GitRemote;
using ryax::infra::git::Libgit2GitRepository;
using ryax::test::GitBuilder;
using ryax::test::TempDir;

namespace fs = std::filesystem;

namespace {

GitRemote
make_remote(const std::string& url, const std::string& cache_dir)
{
  GitRemote remote;
  remote.url = url;
  remote.cache_dir = cache_dir;
  return remote;
}

// An origin repository built with GitBuilder and the remote pointing at it.
struct GitFixture
{
  TempDir tmp;
  GitBuilder origin{ tmp.path() / "origin.git" };
  Libgit2GitRepository git;
  GitRemote remote = make_remote(origin.url(), tmp / "cache");

  std::unique_ptr<GitCommit>
  open(const std::string& ref)
  {
    auto commit = git.open(remote, ref);
    REQUIRE_MESSAGE(commit, (commit ? "" : commit.error().message));
    return std::move(*commit);
  }

  void
  fetch()
  {
    const auto fetched = git.fetch(remote);
    REQUIRE_MESSAGE(fetched, (fetched ? "" : fetched.error().message));
  }
};

bool
is_executable(const fs::path& path)
{
  struct stat info
  {};
  return ::stat(path.c_str(), &info) == 0 && (info.st_mode & S_IXUSR) != 0;
}

// An HTTP server on 127.0.0.1 that answers every request with 401, counting
// the requests that carried credentials.
class UnauthorizedServer
{
public:
  UnauthorizedServer()
  {
    m_socket = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(m_socket,
                   reinterpret_cast<sockaddr*>(&address),
                   sizeof address) == 0);
    REQUIRE(::listen(m_socket, 8) == 0);
    ::getsockname(m_socket, reinterpret_cast<sockaddr*>(&address), &length);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
  }

  ~UnauthorizedServer()
  {
    m_stop = true;
    m_thread.join();
    ::close(m_socket);
  }

  std::string
  url() const
  {
    return "http://127.0.0.1:" + std::to_string(m_port) + "/x.git";
  }

  int
  authorized_requests() const
  {
    return m_authorized;
  }

private:
  void
  serve()
  {
    while (!m_stop) {
      pollfd ready{ m_socket, POLLIN, 0 };
      if (::poll(&ready, 1, 20) <= 0) {
        continue;
      }
      const int client = ::accept4(m_socket, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) {
        continue;
      }
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) {
          break;
        }
        request.append(buffer, static_cast<std::size_t>(n));
      }
      if (request.find("Authorization:") != std::string::npos) {
        ++m_authorized;
      }
      const std::string response =
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n";
      [[maybe_unused]] const auto sent =
        ::write(client, response.data(), response.size());
      ::close(client);
    }
  }

  int m_socket = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{ false };
  std::atomic<int> m_authorized{ 0 };
  std::thread m_thread;
};

} // namespace

TEST_SUITE_BEGIN("infra::git::Libgit2GitRepository");

TEST_CASE_FIXTURE(GitFixture,
                  "the first fetch clones a mirror and the next one only "
                  "brings new commits")
{
  origin.write("a/ryax_metadata.yaml", "id: a\n");
  const std::string first = origin.commit("first");

  const auto cloned = git.fetch(remote);
  REQUIRE(cloned);
  CHECK(cloned->cloned);
  CHECK(cloned->received_objects > 0);
  CHECK(open("main")->commit_id() == first);

  const auto unchanged = git.fetch(remote);
  REQUIRE(unchanged);
  CHECK_FALSE(unchanged->cloned);
  CHECK(unchanged->received_objects == 0);

  origin.write("b/ryax_metadata.yaml", "id: b\n");
  const std::string second = origin.commit("second");
  const auto updated = git.fetch(remote);
  REQUIRE(updated);
  CHECK_FALSE(updated->cloned);
  CHECK(updated->received_objects > 0);
  CHECK(updated->received_objects < cloned->received_objects + 4);
  CHECK(open("main")->commit_id() == second);
}

TEST_CASE_FIXTURE(GitFixture,
                  "a commit opens by branch, tag, annotated tag, full or "
                  "short id and default branch")
{
  origin.write("ryax_metadata.yaml", "id: root\n");
  const std::string first = origin.commit("first");
  origin.tag("v1");
  origin.annotated_tag("v1.0", "release 1.0");
  origin.checkout_branch("dev");
  origin.write("x.txt", "x");
  const std::string on_dev = origin.commit("on dev");
  origin.checkout_branch("main");
  fetch();

  CHECK(open("main")->commit_id() == first);
  CHECK(open("dev")->commit_id() == on_dev);
  CHECK(open("v1")->commit_id() == first);
  CHECK(open("v1.0")->commit_id() == first);
  CHECK(open(on_dev)->commit_id() == on_dev);
  CHECK(open(on_dev.substr(0, 7))->commit_id() == on_dev);
  CHECK(open("")->commit_id() == first);
  CHECK(open("refs/heads/dev")->commit_id() == on_dev);
}

TEST_CASE_FIXTURE(GitFixture, "the default branch follows the remote's HEAD")
{
  origin.write("f", "1");
  origin.commit("on main");
  origin.checkout_branch("trunk");
  origin.write("f", "2");
  const std::string on_trunk = origin.commit("on trunk");
  fetch();
  CHECK(open("")->commit_id() == on_trunk);
}

TEST_CASE_FIXTURE(GitFixture,
                  "a ref that resolves to nothing is not_found and named")
{
  origin.write("f", "1");
  origin.commit("first");
  fetch();
  for (const std::string ref : { "nope", "0000000", "bad..ref", "-x" }) {
    const auto missing = git.open(remote, ref);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::not_found);
    CHECK(missing.error().message.find("\"" + ref + "\"") != std::string::npos);
  }
}

TEST_CASE_FIXTURE(GitFixture, "opening before any fetch is failed_precondition")
{
  const auto missing = git.open(remote, "main");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::failed_precondition);
}

TEST_CASE_FIXTURE(GitFixture,
                  "a re-fetch sees new branches and tags, force-moved "
                  "branches and deleted branches")
{
  origin.write("f", "1");
  const std::string first = origin.commit("first");
  origin.write("f", "2");
  const std::string second = origin.commit("second");
  origin.branch("old");
  fetch();
  CHECK(open("main")->commit_id() == second);

  origin.branch("main", first); // force-moved back
  origin.branch("feature", second);
  origin.tag("late");
  origin.delete_branch("old");
  fetch();
  CHECK(open("main")->commit_id() == first);
  CHECK(open("feature")->commit_id() == second);
  CHECK(open("late")->commit_id() == first);
  const auto deleted = git.open(remote, "old");
  REQUIRE_FALSE(deleted);
  CHECK(deleted.error().code == ErrorCode::not_found);
}

TEST_CASE_FIXTURE(GitFixture,
                  "action directories are found at the root and nested, "
                  "sorted, with tree ids that change only when they do")
{
  origin.write("ryax_metadata.yaml", "id: root\n");
  origin.write("actions/resize/ryax_metadata.yaml", "id: resize\n");
  origin.write("actions/resize/main.py", "print(1)\n");
  origin.write("actions/deep/er/crop/ryax_metadata.yaml", "id: crop\n");
  origin.write("actions/deep/er/crop/ryax_metadata.yml", "not me\n");
  origin.write("docs/README.md", "no action here\n");
  origin.write_symlink("links/ryax_metadata.yaml", "../ryax_metadata.yaml");
  origin.commit("first");
  fetch();

  const auto first = open("main")->find_action_directories();
  REQUIRE(first);
  REQUIRE(first->size() == 3);
  CHECK((*first)[0].directory == "");
  CHECK((*first)[1].directory == "actions/deep/er/crop");
  CHECK((*first)[2].directory == "actions/resize");
  for (const auto& action : *first) {
    CHECK(action.tree_id.size() == 40);
  }

  origin.write("actions/resize/main.py", "print(2)\n");
  origin.commit("change resize");
  fetch();
  const auto second = open("main")->find_action_directories();
  REQUIRE(second);
  REQUIRE(second->size() == 3);
  CHECK((*second)[0].tree_id != (*first)[0].tree_id); // root holds resize
  CHECK((*second)[1].tree_id == (*first)[1].tree_id);
  CHECK((*second)[2].tree_id != (*first)[2].tree_id);
}

TEST_CASE_FIXTURE(GitFixture,
                  "read_file returns regular files and nullopt otherwise")
{
  origin.write("a/ryax_metadata.yaml", "id: a\n");
  origin.write_symlink("a/link", "ryax_metadata.yaml");
  origin.commit("first");
  fetch();
  const auto commit = open("main");

  const auto present = commit->read_file("a/ryax_metadata.yaml");
  REQUIRE(present);
  CHECK(*present == std::optional<std::string>("id: a\n"));
  for (const std::string path : { "a/missing", "a", "a/link", "", "/a" }) {
    const auto absent = commit->read_file(path);
    REQUIRE(absent);
    CHECK_FALSE(absent->has_value());
  }
}

TEST_CASE_FIXTURE(GitFixture,
                  "extract_directory writes the files with their executable "
                  "bit and inner symlinks")
{
  origin.write("a/ryax_metadata.yaml", "id: a\n");
  origin.write("a/run.sh", "#!/bin/sh\n", GitBuilder::executable);
  origin.write("a/lib/util.py", "x = 1\n");
  origin.write_symlink("a/lib/meta", "../ryax_metadata.yaml");
  origin.write("b/other", "not extracted\n");
  origin.commit("first");
  fetch();

  const fs::path out = tmp.path() / "out";
  const auto extracted = open("main")->extract_directory("a", out.string());
  REQUIRE_MESSAGE(extracted, (extracted ? "" : extracted.error().message));
  CHECK(ryax::test::read_file(out / "ryax_metadata.yaml") == "id: a\n");
  CHECK(ryax::test::read_file(out / "lib/util.py") == "x = 1\n");
  CHECK(is_executable(out / "run.sh"));
  CHECK_FALSE(is_executable(out / "lib/util.py"));
  CHECK(fs::is_symlink(out / "lib/meta"));
  CHECK(ryax::test::read_file(out / "lib/meta") == "id: a\n");
  CHECK_FALSE(fs::exists(out / "other"));

  const auto again = open("main")->extract_directory("a", out.string());
  REQUIRE_FALSE(again);
  CHECK(again.error().code == ErrorCode::failed_precondition);

  const auto missing =
    open("main")->extract_directory("nope", (tmp.path() / "x").string());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message.find("\"nope\"") != std::string::npos);
}

TEST_CASE_FIXTURE(GitFixture,
                  "extract_directory refuses symlinks that leave the "
                  "destination")
{
  origin.write("a/ryax_metadata.yaml", "id: a\n");
  origin.write_symlink("a/escape", "../b/secret");
  origin.write("b/secret", "secret\n");
  origin.write("c/ryax_metadata.yaml", "id: c\n");
  origin.write_symlink("c/abs", "/etc/passwd");
  // Each link is harmless alone; together "sub/up/.." leaves the directory.
  origin.write("d/ryax_metadata.yaml", "id: d\n");
  origin.write_symlink("d/sub/up", "..");
  origin.write_symlink("d/sneaky", "sub/up/..");
  origin.commit("first");
  fetch();
  const auto commit = open("main");

  for (const std::string dir : { "a", "c", "d" }) {
    const fs::path out = tmp.path() / ("out-" + dir);
    const auto refused = commit->extract_directory(dir, out.string());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::invalid_argument);
    CHECK(refused.error().message.find("points outside") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(tmp.path() / "out-d" / "sneaky"));
}

TEST_CASE_FIXTURE(GitFixture, "a local path and a file:// URL both work")
{
  origin.write("ryax_metadata.yaml", "id: a\n");
  const std::string id = origin.commit("first");

  remote.url = origin.path().string();
  fetch();
  CHECK(open("main")->commit_id() == id);

  const GitRemote by_url =
    make_remote("file://" + origin.path().string(), tmp / "cache2");
  const auto fetched = git.fetch(by_url);
  REQUIRE(fetched);
  CHECK(fetched->cloned);
}

TEST_CASE_FIXTURE(GitFixture,
                  "an unreachable repository fails clearly and leaves no "
                  "mirror")
{
  remote.url = (tmp.path() / "nowhere.git").string();
  const auto missing = git.fetch(remote);
  REQUIRE_FALSE(missing);
  CHECK((missing.error().code == ErrorCode::not_found ||
         missing.error().code == ErrorCode::unavailable));
  CHECK(missing.error().message.find("nowhere.git") != std::string::npos);
  CHECK_FALSE(fs::exists(remote.cache_dir));

  remote.url = "file://" + (tmp.path() / "nowhere.git").string();
  const auto missing_url = git.fetch(remote);
  REQUIRE_FALSE(missing_url);
  CHECK((missing_url.error().code == ErrorCode::not_found ||
         missing_url.error().code == ErrorCode::unavailable));
  CHECK(missing_url.error().message.find("nowhere.git") != std::string::npos);
  CHECK_FALSE(fs::exists(remote.cache_dir));
}

TEST_CASE_FIXTURE(GitFixture,
                  "check_source accepts the top of a local repository and "
                  "says what to do with anything else")
{
  CHECK(git.check_source(make_remote(origin.url(), "")));
  CHECK(git.check_source(make_remote(origin.path().string(), "")));
  CHECK(git.check_source(make_remote("https://git.example.org/x.git", "")));
  CHECK(git.check_source(make_remote("git@git.example.org:team/x.git", "")));

  fs::create_directories(tmp.path() / "plain");
  const auto plain = git.check_source(make_remote(tmp / "plain", ""));
  REQUIRE_FALSE(plain);
  CHECK(plain.error().code == ErrorCode::failed_precondition);
  CHECK(plain.error().message.find("run \"git init\" there") != std::string::npos);

  fs::create_directories(origin.path() / "sub");
  const auto inside =
    git.check_source(make_remote((origin.path() / "sub").string(), ""));
  REQUIRE_FALSE(inside);
  CHECK(inside.error().code == ErrorCode::failed_precondition);
  CHECK(inside.error().message.find("is inside the git repository \"" +
                                    origin.path().string() + "\"") !=
        std::string::npos);

  const auto missing =
    git.check_source(make_remote("file://" + tmp / "missing", ""));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
}

TEST_CASE_FIXTURE(GitFixture, "a malformed URL is invalid_argument")
{
  for (const std::string url :
       { "", "ftp://example.com/x.git", "https://", "host:", "a\nb" }) {
    remote.url = url;
    const auto malformed = git.fetch(remote);
    REQUIRE_FALSE(malformed);
    CHECK(malformed.error().code == ErrorCode::invalid_argument);
  }
}

TEST_CASE_FIXTURE(GitFixture,
                  "an https failure names the URL but never the password")
{
  remote.url = "https://127.0.0.1:1/x.git";
  remote.username = "alice";
  remote.password = "s3cr3t-pa55";
  const auto refused = git.fetch(remote);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::unavailable);
  CHECK(refused.error().message.find("https://127.0.0.1:1/x.git") !=
        std::string::npos);
  CHECK(refused.error().message.find("s3cr3t") == std::string::npos);

  remote.url = "https://bob:t0ken-in-url@127.0.0.1:1/x.git";
  const auto embedded = git.fetch(remote);
  REQUIRE_FALSE(embedded);
  CHECK(embedded.error().message.find("t0ken") == std::string::npos);
  CHECK(embedded.error().message.find("s3cr3t") == std::string::npos);
}

TEST_CASE_FIXTURE(GitFixture,
                  "rejected or missing credentials are unauthenticated after "
                  "one attempt")
{
  UnauthorizedServer server;
  remote.url = server.url();
  const auto anonymous = git.fetch(remote);
  REQUIRE_FALSE(anonymous);
  CHECK(anonymous.error().code == ErrorCode::unauthenticated);
  CHECK(server.authorized_requests() == 0);

  remote.username = "alice";
  remote.password = "s3cr3t-pa55";
  const auto rejected = git.fetch(remote);
  REQUIRE_FALSE(rejected);
  CHECK(rejected.error().code == ErrorCode::unauthenticated);
  CHECK(rejected.error().message.find(server.url()) != std::string::npos);
  CHECK(rejected.error().message.find("s3cr3t") == std::string::npos);
  CHECK(server.authorized_requests() == 1);
  CHECK_FALSE(fs::exists(remote.cache_dir));
}

TEST_CASE_FIXTURE(GitFixture,
                  "an unreachable ssh remote is unavailable and the key is "
                  "never shown")
{
  for (const std::string url :
       { "ssh://git@127.0.0.1:1/x.git", "git@127.0.0.1:x.git" }) {
    remote.url = url;
    remote.ssh_key = "-----BEGIN OPENSSH PRIVATE KEY-----\nk3y\n";
    const auto refused = git.fetch(remote);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::unavailable);
    CHECK(refused.error().message.find(url) != std::string::npos);
    CHECK(refused.error().message.find("k3y") == std::string::npos);
  }
}

TEST_CASE_FIXTURE(GitFixture, "remove_mirror deletes the mirror, if any")
{
  origin.write("f", "1");
  origin.commit("first");
  fetch();
  REQUIRE(fs::exists(remote.cache_dir));
  REQUIRE(git.remove_mirror(remote));
  CHECK_FALSE(fs::exists(remote.cache_dir));
  CHECK(git.remove_mirror(remote));
  const auto gone = git.open(remote, "main");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == ErrorCode::failed_precondition);
  const auto again = git.fetch(remote);
  REQUIRE(again);
  CHECK(again->cloned);
}

TEST_CASE_FIXTURE(GitFixture,
                  "a non-empty cache directory that is not a mirror is left "
                  "alone")
{
  origin.write("f", "1");
  origin.commit("first");
  ryax::test::write_file(tmp.path() / "cache" / "keep.txt", "mine");
  const auto refused = git.fetch(remote);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::failed_precondition);
  CHECK(ryax::test::read_file(tmp.path() / "cache" / "keep.txt") == "mine");
}

TEST_SUITE_END();
