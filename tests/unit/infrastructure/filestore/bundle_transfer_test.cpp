// Bundles as they travel to workers: packed once with their interpreter
// links listed aside, unpacked with the links made again.

#include "core/infrastructure/filestore/bundle_transfer.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace ryax;
using namespace ryax::infra::filestore;

TEST_SUITE_BEGIN("infra::filestore: bundle transfer");

TEST_CASE("a bundle with a venv travels: files, inside links, and the "
          "interpreter link made again")
{
  test::TempDir tmp;
  const auto bundle = tmp / "bundle";
  test::write_file(tmp / "bundle/code/handler.py", "print('hi')\n");
  fs::create_directories(tmp / "bundle/env/bin");
  fs::create_symlink("/bin/sh", tmp / "bundle/env/bin/python");
  fs::create_symlink("python", tmp / "bundle/env/bin/python3");
  fs::create_symlink("code/handler.py", tmp / "bundle/entry.py");

  const auto packed = pack_bundle(bundle, tmp / "cache", "k1").value();
  CHECK(packed.sha256 == sha256_file(packed.path).value());
  CHECK(packed.size == static_cast<std::int64_t>(fs::file_size(packed.path)));
  bool interpreter = false;
  for (const auto& link : packed.links) {
    interpreter = interpreter || (link.path == "env/bin/python" && link.target == "/bin/sh");
  }
  CHECK(interpreter);
  // Cached: the same archive again.
  const auto again = pack_bundle(bundle, tmp / "cache", "k1").value();
  CHECK(again.sha256 == packed.sha256);

  fs::create_directories(tmp / "out");
  REQUIRE(unpack_bundle(packed.path, packed.links, tmp / "out"));
  CHECK(test::read_file(tmp / "out/code/handler.py") == "print('hi')\n");
  CHECK(fs::read_symlink(tmp / "out/env/bin/python") == "/bin/sh");
  CHECK(fs::read_symlink(tmp / "out/entry.py") == "code/handler.py");
  CHECK(fs::exists(tmp / "out/env/bin/python3"));
}

TEST_CASE("unpacking refuses an interpreter this machine lacks and links "
          "that escape")
{
  test::TempDir tmp;
  test::write_file(tmp / "bundle/a.txt", "a");
  const auto packed = pack_bundle(tmp / "bundle", tmp / "cache", "k2").value();
  fs::create_directories(tmp / "out1");
  auto missing = unpack_bundle(packed.path, { { "env/bin/python", "/no/such/python3.99" } },
                               tmp / "out1");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::failed_precondition);
  CHECK(missing.error().message.find("/no/such/python3.99") != std::string::npos);
  fs::create_directories(tmp / "out2");
  auto escaping = unpack_bundle(packed.path, { { "../evil", "/bin/sh" } }, tmp / "out2");
  REQUIRE_FALSE(escaping);
  CHECK(escaping.error().code == ErrorCode::invalid_argument);
  CHECK_FALSE(fs::exists(tmp / "evil"));
}

TEST_SUITE_END();
