#include "core/domain/catalogue.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ryax;
using namespace ryax::domain;

TEST_SUITE_BEGIN("domain::catalogue");

TEST_CASE("a repository URL with a password in it is refused without "
          "showing it")
{
  const auto url =
    check_repository_url("https://bob:hunter2@git.example.org/x.git");
  REQUIRE_FALSE(url);
  CHECK(url.error().code == ErrorCode::invalid_argument);
  CHECK(url.error().message ==
        "repository URL \"https://bob:***@git.example.org/x.git\" holds a "
        "password: give the user with --username and the password with "
        "--password-stdin, which is stored encrypted");
  // A user alone, a port, or an '@' after the host are no password.
  CHECK(check_repository_url("ssh://git@git.example.org:22/x.git"));
  CHECK(check_repository_url("https://git.example.org:8443/x.git"));
  CHECK(check_repository_url("https://git.example.org/a:b@c/x.git"));
  CHECK(check_repository_url("git@git.example.org:team/x.git"));
}

TEST_CASE("repository URLs and credentials have size limits")
{
  const auto long_url = check_repository_url("/" + std::string(5000, 'a'));
  REQUIRE_FALSE(long_url);
  CHECK(long_url.error().message ==
        "the repository URL is 5001 characters long; at most 4096 are "
        "accepted");
  CHECK(check_repository_credentials("alice", { std::string(4096, 'p'), "" }));
  const auto password =
    check_repository_credentials("alice", { std::string(4097, 'p'), "" });
  REQUIRE_FALSE(password);
  CHECK(password.error().code == ErrorCode::invalid_argument);
  CHECK(password.error().message ==
        "the repository password is 4097 bytes long; at most 4096 are "
        "accepted");
  CHECK_FALSE(check_repository_credentials(std::string(300, 'u'), {}));
  CHECK_FALSE(
    check_repository_credentials("", { "", std::string((1 << 20) + 1, 'k') }));
}

TEST_SUITE_END();
