// The RunFileStore contract: every test runs against the file adapter, the
// in-memory one (tests/support/in_memory_run_store.hpp) and the S3 one (with
// a real S3 server, s3rver: these fail when it is not installed).

#include "core/infrastructure/filestore/file_run_file_store.hpp"
#include "core/infrastructure/s3/s3_run_file_store.hpp"
#include "tests/support/in_memory_run_store.hpp"
#include "tests/support/s3rver_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

using ryax::ErrorCode;
using ryax::Result;
using ryax::domain::FileRef;
using ryax::test::read_file;
using ryax::test::TempDir;
using ryax::test::write_file;

namespace fs = std::filesystem;

namespace {

struct FileStore
{
  TempDir tmp;
  ryax::infra::filestore::FileRunFileStore adapter{ tmp / "store" };
  ryax::app::RunFileStore& store() { return adapter; }
};

struct MemoryStore
{
  TempDir tmp;
  ryax::test::InMemoryRunFileStore adapter;
  ryax::app::RunFileStore& store() { return adapter; }
};

struct S3Store
{
  TempDir tmp;
  ryax::test::S3rverFixture server;
  ryax::infra::s3::S3RunFileStore adapter{ tmp / "store",
                                           server.settings("contract") };
  S3Store() { REQUIRE(adapter.open()); }
  ryax::app::RunFileStore& store() { return adapter; }
};

template<typename Store>
struct Fixture : Store
{
  std::string in = this->tmp / "in";
  std::string out = this->tmp / "out";

  Fixture()
  {
    fs::create_directories(in);
    fs::create_directories(out);
  }

  FileRef
  put(const std::string& content, const std::string& name)
  {
    write_file(in + "/" + name, content);
    auto ref = this->store().put_file(in + "/" + name, name);
    REQUIRE(ref);
    return *ref;
  }

  // collect() of records naming `keys`.
  int
  collect(std::vector<std::string> keys)
  {
    auto removed = this->store().collect(
      [&]() -> Result<std::vector<std::string>> { return keys; });
    REQUIRE(removed);
    return *removed;
  }

  bool
  stored(const FileRef& ref)
  {
    return this->store().blob_path(ref).has_value();
  }
};

#define STORES Fixture<FileStore>, Fixture<MemoryStore>, Fixture<S3Store>

} // namespace

TEST_SUITE_BEGIN("contract::RunFileStore");

TEST_CASE_TEMPLATE("the same content under the same name is one key, another "
                   "name or content is another",
                   F,
                   STORES)
{
  F f;
  const auto a = f.put("hello", "a.txt");
  const auto again = f.put("hello", "a.txt");
  const auto renamed = f.put("hello", "b.txt");
  const auto changed = f.put("hello!", "a.txt");
  CHECK(a == again);
  CHECK(a.key.ends_with("/a.txt"));
  CHECK(a.key.size() == 64 + 1 + 5);
  CHECK(renamed.key != a.key);
  CHECK(changed.key != a.key);
  CHECK_FALSE(a.directory);
}

TEST_CASE_TEMPLATE("a stored file materializes as a copy with its name",
                   F,
                   STORES)
{
  F f;
  const auto ref = f.put("content", "data.csv");
  const auto path = f.store().materialize(ref, f.out);
  REQUIRE(path);
  CHECK(*path == f.out + "/data.csv");
  CHECK(read_file(*path) == "content");
  const auto twice = f.store().materialize(ref, f.out);
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code == ErrorCode::already_exists);
}

TEST_CASE_TEMPLATE("a directory is stored whole and materializes as a tree",
                   F,
                   STORES)
{
  F f;
  fs::create_directories(f.in + "/tree/sub");
  write_file(f.in + "/tree/sub/leaf", "leaf");
  const auto ref = f.store().put_directory(f.in + "/tree", "tree");
  REQUIRE(ref);
  CHECK(ref->directory);
  const auto path = f.store().materialize(*ref, f.out);
  REQUIRE(path);
  CHECK(read_file(*path + "/sub/leaf") == "leaf");
}

TEST_CASE_TEMPLATE("bad names and missing or linked files are refused", F, STORES)
{
  F f;
  write_file(f.in + "/x", "x");
  for (const auto* name : { "", ".", "..", "a/b" }) {
    const auto ref = f.store().put_file(f.in + "/x", name);
    REQUIRE_FALSE(ref);
    CHECK(ref.error().code == ErrorCode::invalid_argument);
  }
  CHECK(f.store().put_file(f.in + "/missing", "m").error().code ==
        ErrorCode::invalid_argument);
  fs::create_symlink(f.in + "/x", f.in + "/link");
  CHECK(f.store().put_file(f.in + "/link", "l").error().code ==
        ErrorCode::invalid_argument);
  CHECK(f.store().materialize(FileRef{ std::string(64, 'a') + "/gone", false },
                              f.out)
          .error()
          .code == ErrorCode::not_found);
}

TEST_CASE_TEMPLATE("collect deletes only keys nobody holds: every put holds "
                   "until released",
                   F,
                   STORES)
{
  F f;
  const auto ref = f.put("shared", "s");
  // A second run stores the same content: two holds.
  const auto same = f.put("shared", "s");
  REQUIRE(same == ref);
  CHECK(f.collect({ ref.key }) == 0);
  CHECK(f.stored(ref));
  f.store().release({ ref.key });
  CHECK(f.collect({ ref.key }) == 0);
  CHECK(f.stored(ref));
  f.store().release({ ref.key });
  CHECK(f.collect({ ref.key }) == 1);
  CHECK_FALSE(f.stored(ref));
  CHECK(f.store().blob_path(ref).error().code == ErrorCode::not_found);
  // Releasing more than held, or unknown keys, is harmless.
  f.store().release({ ref.key, "nope" });
  CHECK(f.collect({ ref.key }) == 0);
}

TEST_CASE_TEMPLATE("a release waits while a collection decides, so a key "
                   "recorded meanwhile is never deleted",
                   F,
                   STORES)
{
  F f;
  const auto ref = f.put("racy", "r");
  std::atomic<bool> released{ false };
  std::thread other;
  const auto removed = f.store().collect([&]() -> Result<std::vector<std::string>> {
    // The run holding the key records it and releases it now: the
    // collection already decided the key is unreferenced, so the release
    // must wait until it is over.
    other = std::thread([&] {
      f.store().release({ ref.key });
      released = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(released.load());
    return std::vector<std::string>{ ref.key };
  });
  other.join();
  REQUIRE(removed);
  CHECK(*removed == 0);
  CHECK(f.stored(ref));
  CHECK(released.load());
}

TEST_CASE_TEMPLATE("a failing collection deletes nothing and says why", F, STORES)
{
  F f;
  const auto ref = f.put("kept", "k");
  f.store().release({ ref.key });
  const auto removed = f.store().collect([]() -> Result<std::vector<std::string>> {
    return ryax::fail(ErrorCode::internal, "database is locked");
  });
  REQUIRE_FALSE(removed);
  CHECK(removed.error().message == "database is locked");
  CHECK(f.stored(ref));
}

TEST_SUITE_END();
