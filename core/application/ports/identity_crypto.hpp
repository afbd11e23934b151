#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ryax::app {

// The cryptography of identities: random tokens, digests and password
// hashing. Thread-safe.
class IdentityCrypto
{
public:
  virtual ~IdentityCrypto() = default;

  // `bytes` random bytes from a cryptographic source, as lower-case hex.
  virtual std::string random_hex(std::size_t bytes) = 0;

  // SHA-256 of `data`, lower-case hex.
  virtual std::string sha256_hex(std::string_view data) = 0;

  // HMAC-SHA256 of `data` under `key`, lower-case hex.
  virtual std::string hmac_hex(std::string_view key, std::string_view data) = 0;

  // A salted, deliberately slow hash of `password`, self-describing (it
  // names its algorithm and parameters).
  virtual std::string hash_password(std::string_view password) = 0;

  // Whether `password` matches `hash` (made by hash_password); false for a
  // malformed hash. Takes as long whatever the answer.
  virtual bool verify_password(std::string_view password,
                               std::string_view hash) = 0;
};

} // namespace ryax::app
