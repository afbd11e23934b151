#include "core/infrastructure/files/containment.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace fs = std::filesystem;
using ryax::infra::files::is_within;
using ryax::infra::files::RootItself;
using ryax::test::TempDir;

TEST_SUITE_BEGIN("infra::files::is_within");

TEST_CASE("a path below the root is within it, existing or not")
{
  TempDir tmp;
  const auto root = tmp.path() / "root";
  fs::create_directories(root / "a");
  CHECK(is_within(root / "a", root));
  CHECK(is_within(root / "a" / "not-yet" / "file", root));
  CHECK(is_within(root / "a" / ".." / "b", root));
}

TEST_CASE("the root itself is within it unless the caller says otherwise")
{
  TempDir tmp;
  const auto root = tmp.path() / "root";
  fs::create_directories(root / "a");
  CHECK(is_within(root, root));
  CHECK(is_within(root / "a" / "..", root));
  CHECK_FALSE(is_within(root, root, RootItself::outside));
  CHECK_FALSE(is_within(root / "a" / "..", root, RootItself::outside));
  CHECK(is_within(root / "a", root, RootItself::outside));
}

TEST_CASE("a path that climbs out with .. is not within the root")
{
  TempDir tmp;
  const auto root = tmp.path() / "root";
  fs::create_directories(root / "a");
  CHECK_FALSE(is_within(root / ".." / "elsewhere", root));
  CHECK_FALSE(is_within(root / "a" / ".." / ".." / "root2", root));
}

TEST_CASE("a sibling whose name starts with the root's is not within it")
{
  TempDir tmp;
  fs::create_directories(tmp.path() / "a" / "b");
  fs::create_directories(tmp.path() / "a" / "bc");
  CHECK_FALSE(is_within(tmp.path() / "a" / "bc", tmp.path() / "a" / "b"));
  CHECK_FALSE(is_within(tmp.path() / "a" / "bc" / "x", tmp.path() / "a" / "b"));
}

TEST_CASE("a symlink below the root that points out of it is not within it")
{
  TempDir tmp;
  const auto root = tmp.path() / "root";
  fs::create_directories(root);
  fs::create_directories(tmp.path() / "outside");
  fs::create_directory_symlink(tmp.path() / "outside", root / "escape");
  fs::create_directory_symlink("..", root / "up");
  CHECK_FALSE(is_within(root / "escape", root));
  CHECK_FALSE(is_within(root / "escape" / "file", root));
  CHECK_FALSE(is_within(root / "up" / "outside", root));
}

TEST_CASE(
  "a symlink that stays inside, and a root reached through one, are followed")
{
  TempDir tmp;
  const auto root = tmp.path() / "root";
  fs::create_directories(root / "real");
  fs::create_directory_symlink("real", root / "alias");
  fs::create_directory_symlink(root, tmp.path() / "root-link");
  CHECK(is_within(root / "alias" / "f", root));
  CHECK(is_within(root / "real" / "f", tmp.path() / "root-link"));
  CHECK(is_within(tmp.path() / "root-link" / "real", root));
}

TEST_SUITE_END();
