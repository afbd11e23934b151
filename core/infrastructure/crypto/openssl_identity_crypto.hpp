#pragma once

#include "core/application/ports/identity_crypto.hpp"

namespace ryax::infra::crypto {

// IdentityCrypto with OpenSSL: RAND_bytes, SHA-256, HMAC-SHA256, and scrypt
// for passwords (N 2^15, r 8, p 1: 32 MiB and tens of milliseconds per
// hash), stored as "scrypt$15$8$1$<salt hex>$<key hex>".
class OpensslIdentityCrypto final : public app::IdentityCrypto
{
public:
  std::string random_hex(std::size_t bytes) override;
  std::string sha256_hex(std::string_view data) override;
  std::string hmac_hex(std::string_view key, std::string_view data) override;
  std::string hash_password(std::string_view password) override;
  // A malformed or empty hash costs a full scrypt too.
  bool verify_password(std::string_view password,
                       std::string_view hash) override;
};

} // namespace ryax::infra::crypto
