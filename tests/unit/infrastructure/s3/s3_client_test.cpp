// S3Client against a real S3-compatible server (s3rver, tests/support).

#include "core/infrastructure/s3/s3_client.hpp"

#include "tests/support/s3rver_fixture.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

using ryax::ErrorCode;
using ryax::infra::s3::S3Client;
using ryax::test::read_file;
using ryax::test::S3rverFixture;
using ryax::test::TempDir;
using ryax::test::write_file;

namespace {

std::string
random_bytes(std::size_t size)
{
  std::mt19937 gen(42);
  std::string bytes(size, '\0');
  for (auto& c : bytes) {
    c = static_cast<char>(gen() & 0xff);
  }
  return bytes;
}

} // namespace

TEST_SUITE_BEGIN("infra::s3::S3Client");

TEST_CASE("a file put is found by HEAD, read back whole, and gone once "
          "deleted")
{
  if (!ryax::test::has_node_for_s3()) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  S3rverFixture server;
  TempDir tmp;
  S3Client client(server.settings("round-trip"));
  REQUIRE(client.ensure_bucket());
  REQUIRE(client.ensure_bucket()); // twice is fine
  write_file(tmp / "in", "hello, bucket");
  const std::string key = "runs/ab/a file+x.txt";
  CHECK(client.exists(key) == false);
  REQUIRE(client.put_file(key, tmp / "in"));
  CHECK(client.exists(key) == true);
  REQUIRE(client.get_file(key, tmp / "out"));
  CHECK(read_file(tmp / "out") == "hello, bucket");
  REQUIRE(client.remove(key));
  CHECK(client.exists(key) == false);
  CHECK(client.remove(key)); // deleting a missing key succeeds
  // Nothing but the result is left beside it.
  CHECK(std::distance(std::filesystem::directory_iterator(tmp.path()),
                      std::filesystem::directory_iterator()) == 2);
}

TEST_CASE("a file larger than the part size goes up in parts and comes back "
          "byte for byte")
{
  if (!ryax::test::has_node_for_s3()) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  S3rverFixture server;
  TempDir tmp;
  auto settings = server.settings("multipart");
  settings.part_size = 5 << 20; // S3's smallest part
  S3Client client(settings);
  REQUIRE(client.ensure_bucket());
  const auto content = random_bytes((11 << 20) + 123); // 3 parts
  write_file(tmp / "big", content);
  const auto put = client.put_file("big", tmp / "big");
  REQUIRE_MESSAGE(put.has_value(), (put ? "" : put.error().message));
  REQUIRE(client.get_file("big", tmp / "back"));
  CHECK(std::filesystem::file_size(tmp / "back") == content.size());
  CHECK(read_file(tmp / "back") == content);
}

TEST_CASE("a missing bucket or key is not_found, named with the S3 code")
{
  if (!ryax::test::has_node_for_s3()) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  S3rverFixture server;
  TempDir tmp;
  write_file(tmp / "in", "x");
  S3Client nowhere(server.settings("no-such-bucket"));
  const auto put = nowhere.put_file("k", tmp / "in");
  REQUIRE_FALSE(put);
  CHECK(put.error().code == ErrorCode::not_found);
  CHECK(put.error().message ==
        "s3: PUT \"k\" in bucket \"no-such-bucket\": HTTP 404 NoSuchBucket "
        "(The specified bucket does not exist)");

  S3Client client(server.settings("present"));
  REQUIRE(client.ensure_bucket());
  const auto get = client.get_file("runs/missing", tmp / "out");
  REQUIRE_FALSE(get);
  CHECK(get.error().code == ErrorCode::not_found);
  CHECK(get.error().message.starts_with(
    "s3: GET \"runs/missing\" in bucket \"present\": HTTP 404 NoSuchKey"));
  CHECK_FALSE(std::filesystem::exists(tmp / "out"));
  // The secret never shows.
  CHECK(get.error().message.find("S3RVER") == std::string::npos);
}

TEST_CASE("an unreachable store is unavailable after the bounded retries")
{
  TempDir tmp;
  ryax::infra::s3::S3Settings settings;
  settings.endpoint = "http://127.0.0.1:1"; // nothing listens there
  settings.bucket = "b";
  settings.access_key = "AK";
  settings.secret_key.value = "very-secret";
  settings.max_attempts = 3;
  settings.first_backoff = std::chrono::milliseconds(1);
  S3Client client(settings);
  const auto found = client.exists("k");
  REQUIRE_FALSE(found);
  CHECK(found.error().code == ErrorCode::unavailable);
  CHECK(found.error().message.starts_with(
    "s3: HEAD \"k\" in bucket \"b\" at http://127.0.0.1:1: "));
  CHECK(found.error().message.ends_with("(after 3 attempts)"));
  CHECK(found.error().message.find("very-secret") == std::string::npos);
}

TEST_SUITE_END();
