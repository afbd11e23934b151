#include "core/infrastructure/crypto/openssl_identity_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>
#include <vector>

namespace ryax::infra::crypto {

namespace {

constexpr int k_log_n = 15;
constexpr std::uint64_t k_r = 8;
constexpr std::uint64_t k_p = 1;
constexpr std::size_t k_key_bytes = 32;
constexpr std::size_t k_salt_bytes = 16;
constexpr std::uint64_t k_max_memory = 64ULL * 1024 * 1024;

std::string
to_hex(const unsigned char* data, std::size_t size)
{
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += k_digits[data[i] >> 4];
    out += k_digits[data[i] & 15];
  }
  return out;
}

std::vector<unsigned char>
from_hex(std::string_view text)
{
  std::vector<unsigned char> out;
  if (text.size() % 2 != 0) {
    return out;
  }
  for (std::size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    const auto [end, error] =
      std::from_chars(text.data() + i, text.data() + i + 2, value, 16);
    if (error != std::errc() || end != text.data() + i + 2) {
      return {};
    }
    out.push_back(static_cast<unsigned char>(value));
  }
  return out;
}

std::vector<unsigned char>
scrypt(std::string_view password,
       const std::vector<unsigned char>& salt,
       int log_n,
       std::uint64_t r,
       std::uint64_t p)
{
  std::vector<unsigned char> key(k_key_bytes);
  if (EVP_PBE_scrypt(password.data(),
                     password.size(),
                     salt.data(),
                     salt.size(),
                     std::uint64_t{ 1 } << log_n,
                     r,
                     p,
                     k_max_memory,
                     key.data(),
                     key.size())
      != 1) {
    key.clear();
  }
  return key;
}

} // namespace

std::string
OpensslIdentityCrypto::random_hex(std::size_t bytes)
{
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    // No randomness means no secret can be made: a bug of the platform.
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return to_hex(buffer.data(), buffer.size());
}

std::string
OpensslIdentityCrypto::sha256_hex(std::string_view data)
{
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()),
         data.size(),
         digest);
  return to_hex(digest, sizeof(digest));
}

std::string
OpensslIdentityCrypto::hmac_hex(std::string_view key, std::string_view data)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(),
       key.data(),
       static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()),
       data.size(),
       digest,
       &size);
  return to_hex(digest, size);
}

std::string
OpensslIdentityCrypto::hash_password(std::string_view password)
{
  const auto salt = from_hex(random_hex(k_salt_bytes));
  const auto key = scrypt(password, salt, k_log_n, k_r, k_p);
  return fmt::format("scrypt${}${}${}${}${}",
                     k_log_n,
                     k_r,
                     k_p,
                     to_hex(salt.data(), salt.size()),
                     to_hex(key.data(), key.size()));
}

bool
OpensslIdentityCrypto::verify_password(std::string_view password,
                                       std::string_view hash)
{
  // scrypt$N$r$p$salt$key
  std::vector<std::string_view> parts;
  std::string_view rest = hash;
  while (!rest.empty() && parts.size() < 7) {
    const auto dollar = rest.find('$');
    parts.push_back(rest.substr(0, dollar));
    rest.remove_prefix(dollar == std::string_view::npos ? rest.size()
                                                        : dollar + 1);
  }
  int log_n = 0;
  std::uint64_t r = 0;
  std::uint64_t p = 0;
  const bool well_formed =
    parts.size() == 6 && parts[0] == "scrypt"
    && std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), log_n)
           .ec == std::errc()
    && std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), r)
           .ec == std::errc()
    && std::from_chars(parts[3].data(), parts[3].data() + parts[3].size(), p)
           .ec == std::errc()
    && log_n >= 10 && log_n <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16;
  const auto salt = well_formed ? from_hex(parts[4]) : std::vector<unsigned char>(
                                                         k_salt_bytes);
  const auto expected = well_formed ? from_hex(parts[5]) : std::vector<unsigned char>();
  // Always derive, so that a wrong user costs what a wrong password does.
  const auto key = scrypt(password,
                          salt,
                          well_formed ? log_n : k_log_n,
                          well_formed ? r : k_r,
                          well_formed ? p : k_p);
  return well_formed && !key.empty() && key.size() == expected.size()
         && CRYPTO_memcmp(key.data(), expected.data(), key.size()) == 0;
}

} // namespace ryax::infra::crypto
