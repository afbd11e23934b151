// S3RunFileStore: two tiers, the bucket on a real S3 server (s3rver). The
// RunFileStore contract itself runs in
// tests/unit/contract/run_file_store_contract_test.cpp.

#include "core/infrastructure/s3/s3_run_file_store.hpp"

#include "tests/support/s3rver_fixture.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using ryax::ErrorCode;
using ryax::infra::s3::S3Client;
using ryax::infra::s3::S3RunFileStore;
using ryax::test::read_file;
using ryax::test::S3rverFixture;
using ryax::test::TempDir;
using ryax::test::write_file;

namespace fs = std::filesystem;

namespace {

// Two sites sharing one bucket, each with its own local tier.
struct TwoSites
{
  S3rverFixture server;
  TempDir tmp;
  S3RunFileStore a{ tmp / "a", server.settings("shared") };
  S3RunFileStore b{ tmp / "b", server.settings("shared") };
  S3Client bucket{ server.settings("shared") };

  TwoSites()
  {
    REQUIRE(a.open());
    REQUIRE(b.open());
    fs::create_directories(tmp / "out");
  }
};

} // namespace

TEST_SUITE_BEGIN("infra::s3::S3RunFileStore");

TEST_CASE("a file put on one site is uploaded once and materialized on "
          "another from the bucket")
{
  if (!ryax::test::has_node_for_s3()) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  TwoSites s;
  write_file(s.tmp / "in/result.csv", "a,b\n1,2\n");
  const auto ref = s.a.put_file(s.tmp / "in/result.csv", "result.csv");
  REQUIRE(ref);
  CHECK(s.bucket.exists("runs/" + ref->key) == true);
  CHECK(fs::exists(s.server.object_file("shared", "runs/" + ref->key)));

  const auto path = s.b.materialize(*ref, s.tmp / "out");
  REQUIRE(path);
  CHECK(read_file(*path) == "a,b\n1,2\n");
  // Now in b's local tier: read from there even with the bucket object gone.
  REQUIRE(s.bucket.remove("runs/" + ref->key));
  const auto blob = s.b.blob_path(*ref);
  REQUIRE(blob);
  CHECK(blob->starts_with(s.tmp / "b/"));
}

TEST_CASE("a directory travels through the bucket as its archive")
{
  if (!ryax::test::has_node_for_s3()) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  TwoSites s;
  write_file(s.tmp / "in/tree/sub/leaf", "leaf");
  const auto ref = s.a.put_directory(s.tmp / "in/tree", "tree");
  REQUIRE(ref);
  const auto path = s.b.materialize(*ref, s.tmp / "out");
  REQUIRE(path);
  CHECK(read_file(*path + "/sub/leaf") == "leaf");
}

TEST_CASE("a bucket object whose bytes are not its key's is refused and not "
          "kept")
{
  if (!ryax::test::has_node_for_s3()) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  TwoSites s;
  write_file(s.tmp / "in/x", "the real bytes");
  const auto ref = s.a.put_file(s.tmp / "in/x", "x");
  REQUIRE(ref);
  // Someone rewrites the object in the bucket.
  write_file(s.tmp / "evil", "other bytes");
  REQUIRE(s.bucket.put_file("runs/" + ref->key, s.tmp / "evil"));

  const auto path = s.b.materialize(*ref, s.tmp / "out");
  REQUIRE_FALSE(path);
  CHECK(path.error().code == ErrorCode::internal);
  CHECK(path.error().message.find("not the key's: refused") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(s.tmp / "out/x"));
  // Nothing stays in b's local tier, not even the download.
  for (const auto& entry : fs::recursive_directory_iterator(s.tmp / "b")) {
    CHECK_MESSAGE(entry.is_directory(), entry.path().string());
  }
}

TEST_CASE("a key in neither tier is not_found, naming the bucket")
{
  if (!ryax::test::has_node_for_s3()) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  TwoSites s;
  const ryax::domain::FileRef ref{ std::string(64, 'a') + "/gone", false };
  const auto blob = s.b.blob_path(ref);
  REQUIRE_FALSE(blob);
  CHECK(blob.error().code == ErrorCode::not_found);
  CHECK(blob.error().message.find("bucket \"shared\"") != std::string::npos);
}

TEST_CASE("a put whose upload fails fails, unavailable")
{
  TempDir tmp;
  ryax::infra::s3::S3Settings settings;
  settings.endpoint = "http://127.0.0.1:1";
  settings.bucket = "b";
  settings.access_key = "AK";
  settings.secret_key.value = "SK";
  settings.max_attempts = 1;
  S3RunFileStore store(tmp / "local", settings);
  write_file(tmp / "in", "x");
  const auto ref = store.put_file(tmp / "in", "in");
  REQUIRE_FALSE(ref);
  CHECK(ref.error().code == ErrorCode::unavailable);
}

TEST_SUITE_END();
