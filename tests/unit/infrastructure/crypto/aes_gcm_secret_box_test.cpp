#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"
#include "core/infrastructure/crypto/base64.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ryax;
using namespace ryax::infra::crypto;

namespace {

EncryptionKey
key_of(unsigned char fill)
{
  EncryptionKey key{};
  key.fill(fill);
  key[0] = 0x42;
  return key;
}

// `sealed` with the byte at `offset` of its decoded form flipped.
std::string
flip(const std::string& sealed, std::size_t offset)
{
  auto raw = *base64_decode(sealed.substr(AesGcmSecretBox::k_prefix.size()));
  raw[offset] = static_cast<char>(raw[offset] ^ 0x01);
  return std::string(AesGcmSecretBox::k_prefix) + base64_encode(raw);
}

} // namespace

TEST_SUITE_BEGIN("infra::crypto::AesGcmSecretBox");

TEST_CASE("a sealed value opens back to its plaintext")
{
  AesGcmSecretBox box(key_of(7));
  for (const std::string& plaintext :
       std::vector<std::string>{ std::string(),
                                 std::string("hunter2"),
                                 std::string(1000, 'x'),
                                 std::string("with\0nul and \xc3\xa9", 14) }) {
    const auto sealed = box.seal(plaintext);
    REQUIRE(sealed);
    CHECK(sealed->starts_with("v1:"));
    CHECK(box.is_sealed(*sealed));
    CHECK(sealed->find("hunter2") == std::string::npos);
    const auto opened = box.open(*sealed);
    REQUIRE(opened);
    CHECK(*opened == plaintext);
  }
}

TEST_CASE("sealing the same plaintext twice gives two different texts")
{
  AesGcmSecretBox box(key_of(7));
  const auto a = box.seal("same");
  const auto b = box.seal("same");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a != *b);
  // The nonces differ: the first 12 bytes.
  CHECK(base64_decode(a->substr(3))->substr(0, 12) !=
        base64_decode(b->substr(3))->substr(0, 12));
}

TEST_CASE("a value altered in its nonce, ciphertext or tag is refused")
{
  AesGcmSecretBox box(key_of(7));
  const auto sealed = box.seal("secret text");
  REQUIRE(sealed);
  const auto size = base64_decode(sealed->substr(3))->size();
  for (const std::size_t offset : { std::size_t{ 0 },
                                    std::size_t{ 11 },
                                    std::size_t{ 12 },
                                    std::size_t{ 20 },
                                    size - 16,
                                    size - 1 }) {
    CAPTURE(offset);
    const auto opened = box.open(flip(*sealed, offset));
    REQUIRE_FALSE(opened);
    CHECK(opened.error().code == ErrorCode::failed_precondition);
    CHECK(opened.error().message.find("another encryption key, or altered") !=
          std::string::npos);
  }
}

TEST_CASE("a value sealed with another key is refused")
{
  AesGcmSecretBox box(key_of(7));
  AesGcmSecretBox other(key_of(8));
  const auto sealed = box.seal("secret text");
  REQUIRE(sealed);
  const auto opened = other.open(*sealed);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code == ErrorCode::failed_precondition);
  CHECK(opened.error().message.find("secret text") == std::string::npos);
}

TEST_CASE("text that is not a sealed value is refused without a crash")
{
  AesGcmSecretBox box(key_of(7));
  for (const std::string& text : std::vector<std::string>{
         "",
         "hunter2",
         "v1:",
         "v1:AAAA",
         "v1:not base64!",
         "v2:AAAA",
         "v1:" + base64_encode(std::string(27, 'a')) }) {
    CAPTURE(text);
    CHECK_FALSE(box.open(text));
  }
  CHECK_FALSE(box.is_sealed("hunter2"));
  CHECK(box.open("plain").error().code == ErrorCode::invalid_argument);
  // A value cut short loses its tag.
  const auto sealed = box.seal("secret text");
  REQUIRE(sealed);
  CHECK_FALSE(box.open(sealed->substr(0, sealed->size() - 4)));
}

TEST_CASE("the version prefix is authenticated")
{
  // The same bytes under another prefix do not open, even if a later
  // version were to accept them.
  AesGcmSecretBox box(key_of(7));
  const auto sealed = box.seal("secret text");
  REQUIRE(sealed);
  auto raw = *base64_decode(sealed->substr(3));
  CHECK(box.open("v1:" + base64_encode(raw)));
  CHECK_FALSE(box.open("v1: " + base64_encode(raw)));
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("infra::crypto::base64");

TEST_CASE("base64 round-trips every length and refuses non-canonical text")
{
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    const auto text = base64_encode(bytes);
    CHECK(text.size() % 4 == 0);
    CHECK(base64_decode(text) == bytes);
    bytes += static_cast<char>(i * 37);
  }
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_decode("Zm9vYg==") == "foob");
  CHECK_FALSE(base64_decode("Zm9vYg="));  // length
  CHECK_FALSE(base64_decode("Zm9vYh==")); // bits after the last byte
  CHECK_FALSE(base64_decode("Zm=vYg==")); // padding inside
  CHECK_FALSE(base64_decode("Zm9v Yg=")); // whitespace
  CHECK_FALSE(base64_decode("Zm9vY==="));
}

TEST_SUITE_END();
