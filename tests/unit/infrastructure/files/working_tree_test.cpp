#include "core/infrastructure/files/working_tree.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using ryax::ErrorCode;
using ryax::infra::files::WorkingTree;
using ryax::test::TempDir;
using ryax::test::write_file;

TEST_SUITE_BEGIN("infra::files::WorkingTree");

TEST_CASE("action directories are found at any depth, sorted, without .git and symlinks")
{
  TempDir tmp;
  write_file(tmp.path() / "ryax_metadata.yaml", "root");
  write_file(tmp.path() / "b/deep/ryax_metadata.yaml", "deep");
  write_file(tmp.path() / "a/ryax_metadata.yaml", "a");
  write_file(tmp.path() / ".git/x/ryax_metadata.yaml", "git");
  std::filesystem::create_directories(tmp.path() / "link");
  std::filesystem::create_symlink(tmp.path() / "a/ryax_metadata.yaml",
                                  tmp.path() / "link/ryax_metadata.yaml");
  WorkingTree tree(tmp.path().string());
  const auto found = tree.find_action_directories();
  REQUIRE(found);
  REQUIRE(found->size() == 3);
  CHECK((*found)[0].directory == "");
  CHECK((*found)[1].directory == "a");
  CHECK((*found)[2].directory == "b/deep");
  CHECK(tree.read_file("b/deep/ryax_metadata.yaml").value() == "deep");
  CHECK_FALSE(tree.read_file("link/ryax_metadata.yaml").value());
  CHECK_FALSE(tree.read_file("none").value());
}

TEST_CASE("a missing root is not_found")
{
  TempDir tmp;
  WorkingTree tree((tmp.path() / "nope").string());
  const auto found = tree.find_action_directories();
  REQUIRE_FALSE(found);
  CHECK(found.error().code == ErrorCode::not_found);
}

TEST_SUITE_END();
