#include "core/infrastructure/files/read_file.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>

using ryax::ErrorCode;
using ryax::infra::files::read_file;
using ryax::test::TempDir;

TEST_SUITE_BEGIN("infra::files::read_file");

TEST_CASE("a file is read whole, byte for byte")
{
  TempDir tmp;
  std::string bytes = "line\n";
  bytes += '\0';
  bytes += std::string(200'000, 'x'); // more than one read
  ryax::test::write_file(tmp.path() / "f", bytes);
  const auto content = read_file(tmp.path() / "f");
  REQUIRE(content);
  CHECK(*content == bytes);
  CHECK(read_file(tmp.path() / "f", bytes.size()).value() ==
        bytes); // the limit itself
}

TEST_CASE("a file the kernel sizes as empty is read to its end")
{
  const auto content = read_file("/proc/self/status");
  REQUIRE(content);
  CHECK(content->find("Pid:") != std::string::npos);
}

TEST_CASE("a missing file is not_found, naming the path")
{
  TempDir tmp;
  const auto missing = read_file(tmp.path() / "nope.yaml");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::not_found);
  CHECK(missing.error().message == "cannot read \"" +
                                     (tmp.path() / "nope.yaml").string() +
                                     "\": No such file or directory");
}

TEST_CASE("a directory and a file over the limit are invalid arguments")
{
  TempDir tmp;
  const auto directory = read_file(tmp.path());
  REQUIRE_FALSE(directory);
  CHECK(directory.error().code == ErrorCode::invalid_argument);
  CHECK(directory.error().message.ends_with("\": Is a directory"));

  ryax::test::write_file(tmp.path() / "big", std::string(1001, 'b'));
  const auto big = read_file(tmp.path() / "big", 1000);
  REQUIRE_FALSE(big);
  CHECK(big.error().code == ErrorCode::invalid_argument);
  CHECK(big.error().message == "cannot read \"" +
                                 (tmp.path() / "big").string() +
                                 "\": larger than 1000 bytes");
}

TEST_CASE("a file that may not be read is permission_denied")
{
  if (::geteuid() == 0) {
    return; // root reads anything
  }
  TempDir tmp;
  ryax::test::write_file(tmp.path() / "secret", "s");
  ::chmod((tmp.path() / "secret").c_str(), 0);
  const auto secret = read_file(tmp.path() / "secret");
  REQUIRE_FALSE(secret);
  CHECK(secret.error().code == ErrorCode::permission_denied);
}

TEST_SUITE_END();
