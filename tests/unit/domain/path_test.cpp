#include "core/domain/path.hpp"

#include <doctest/doctest.h>

using namespace ryax::domain;

TEST_SUITE_BEGIN("domain::path");

TEST_CASE("a path folds its dots, repeated slashes and trailing slash")
{
  CHECK(lexically_normal("a/./b//../c/") == "a/c");
  CHECK(lexically_normal("../x") == "../x");
  CHECK(lexically_normal("a/../../x") == "../x");
  CHECK(lexically_normal("/../x") == "/x");
  CHECK(lexically_normal("a/..") == "");
  CHECK(lexically_normal(".") == "");
  CHECK(lexically_normal("/") == "/");
}

TEST_CASE(
  "a path is within a root by whole components, never by a prefix of one")
{
  CHECK(is_lexically_within("a/b", "a/b")); // the root itself
  CHECK(is_lexically_within("a/b/c", "a/b"));
  CHECK(is_lexically_within("a/b/", "a/b/")); // trailing slashes
  CHECK_FALSE(is_lexically_within("a/bc", "a/b"));
  CHECK_FALSE(is_lexically_within("a", "a/b"));
  CHECK(is_lexically_within("/a/b/c", "/a/b"));
  CHECK_FALSE(is_lexically_within("/a/bc", "/a/b"));
}

TEST_CASE("a path that climbs out with .. is not within its root")
{
  CHECK_FALSE(is_lexically_within("a/b/../../x", "a"));
  CHECK(is_lexically_within("a/x/../b", "a/b"));
  CHECK_FALSE(is_lexically_within("../x", ""));
  CHECK(is_lexically_within("x/y", "."));
  CHECK(is_lexically_within("../a/b", "../a"));
  CHECK_FALSE(is_lexically_within("../..", ".."));
  CHECK_FALSE(is_lexically_within("/r/a/../../etc", "/r"));
  CHECK(is_lexically_within("/r/../r/a", "/r"));
}

TEST_CASE("an absolute path is never within a relative root, nor the reverse")
{
  CHECK_FALSE(is_lexically_within("/a/b", "a"));
  CHECK_FALSE(is_lexically_within("a/b", "/a"));
}

TEST_CASE(
  "a safe relative path is not empty, not absolute and has no .. at all")
{
  CHECK(is_safe_relative_path("a/b"));
  CHECK(is_safe_relative_path("./a"));
  CHECK(is_safe_relative_path("."));
  CHECK(is_safe_relative_path("..a/b..")); // names, not parents
  CHECK_FALSE(is_safe_relative_path(""));
  CHECK_FALSE(is_safe_relative_path("/a"));
  CHECK_FALSE(is_safe_relative_path(".."));
  CHECK_FALSE(is_safe_relative_path("../a"));
  CHECK_FALSE(
    is_safe_relative_path("a/../b")); // even when it would stay inside
  CHECK_FALSE(is_safe_relative_path("a/.."));
}

TEST_SUITE_END();
