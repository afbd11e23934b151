#include "core/infrastructure/crypto/base64.hpp"
#include "core/infrastructure/crypto/encryption_key.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cctype>
#include <string>
#include <vector>

using namespace ryax;
using namespace ryax::infra::crypto;
using namespace ryax::test;

namespace {

const std::string k_hex =
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

EncryptionKey
counting_key()
{
  EncryptionKey key{};
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<unsigned char>(i);
  }
  return key;
}

mode_t
mode_of(const std::string& path)
{
  struct stat st
  {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

} // namespace

TEST_SUITE_BEGIN("infra::crypto::encryption_key");

TEST_CASE("RYAX_ENCRYPTION_KEY is 64 hex digits or the base64 of 32 bytes")
{
  const auto key = counting_key();
  CHECK(parse_encryption_key(k_hex, "RYAX_ENCRYPTION_KEY") == key);
  std::string upper = k_hex;
  for (auto& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  CHECK(parse_encryption_key(upper, "RYAX_ENCRYPTION_KEY") == key);
  const auto base64 =
    base64_encode(std::string(reinterpret_cast<const char*>(key.data()), 32));
  CHECK(parse_encryption_key(base64, "RYAX_ENCRYPTION_KEY") == key);
  // As `openssl rand -hex 32` prints it, with its newline.
  CHECK(parse_encryption_key(k_hex + "\n", "RYAX_ENCRYPTION_KEY") == key);
}

TEST_CASE("a malformed RYAX_ENCRYPTION_KEY is refused without showing it")
{
  for (const std::string& text : std::vector<std::string>{
         std::string(),
         k_hex.substr(2),
         k_hex + "00",
         "zz" + k_hex.substr(2),
         base64_encode(std::string(31, 'k')),
         std::string("correct horse battery staple") }) {
    CAPTURE(text);
    const auto key = parse_encryption_key(text, "RYAX_ENCRYPTION_KEY");
    REQUIRE_FALSE(key);
    CHECK(key.error().code == ErrorCode::invalid_argument);
    CHECK(key.error().message.starts_with(
      "RYAX_ENCRYPTION_KEY: expected 64 hexadecimal digits or the base64 of "
      "32 bytes"));
    if (!text.empty()) {
      CHECK(key.error().message.find(text) == std::string::npos);
    }
  }
}

TEST_CASE("the key file is created at first use with mode 0600 and read back")
{
  TempDir dir;
  const auto path = dir / "secret.key";
  const auto created = load_or_create_key_file(path);
  REQUIRE(created);
  CHECK(mode_of(path) == 0600);
  CHECK(read_file(path).size() == 32);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  const auto again = load_or_create_key_file(path);
  REQUIRE(again);
  CHECK(*again == *created);
  // Another data dir gets another key.
  TempDir other;
  CHECK(*load_or_create_key_file(other / "secret.key") != *created);
}

TEST_CASE("a missing key file is not made anew when told so")
{
  TempDir dir;
  const auto path = dir / "secret.key";
  const auto key = load_or_create_key_file(path, false);
  REQUIRE_FALSE(key);
  CHECK(key.error().code == ErrorCode::failed_precondition);
  CHECK(key.error().message ==
        "key file \"" + path +
          "\" is missing, and the secrets of this data dir were sealed with "
          "it: restore it (or set RYAX_ENCRYPTION_KEY to its key)");
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a key file of the wrong size is refused with a clear message")
{
  TempDir dir;
  const auto path = dir / "secret.key";
  write_file(path, std::string(31, 'k'));
  ::chmod(path.c_str(), 0600);
  const auto key = load_or_create_key_file(path);
  REQUIRE_FALSE(key);
  CHECK(key.error().code == ErrorCode::failed_precondition);
  CHECK(key.error().message ==
        "key file \"" + path +
          "\" holds 31 bytes, not 32: it is not a ryax key; restore the file "
          "the secrets of this data dir were sealed with");
  CHECK(read_file(path) == std::string(31, 'k')); // left alone
}

TEST_CASE("a key file readable by its group or others is refused")
{
  TempDir dir;
  const auto path = dir / "secret.key";
  REQUIRE(load_or_create_key_file(path));
  for (const mode_t mode : { 0644, 0640, 0604, 0660 }) {
    ::chmod(path.c_str(), mode);
    const auto key = load_or_create_key_file(path);
    REQUIRE_FALSE(key);
    CHECK(key.error().code == ErrorCode::failed_precondition);
    CHECK(key.error().message.find("it must be private to its owner (chmod "
                                   "600") != std::string::npos);
  }
  ::chmod(path.c_str(), 0400);
  CHECK(load_or_create_key_file(path));
}

TEST_CASE("a key file that is a directory is refused")
{
  TempDir dir;
  std::filesystem::create_directory(dir / "secret.key");
  const auto key = load_or_create_key_file(dir / "secret.key");
  REQUIRE_FALSE(key);
  CHECK(key.error().message.find("is not a regular file") != std::string::npos);
}

TEST_CASE("RYAX_ENCRYPTION_KEY wins over the key file, which is then not made")
{
  TempDir dir;
  const auto path = dir / "secret.key";
  const auto key = load_encryption_key({ k_hex, path });
  REQUIRE(key);
  CHECK(*key == counting_key());
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(load_encryption_key({ std::nullopt, path }));
  CHECK(std::filesystem::exists(path));
}

TEST_SUITE_END();
