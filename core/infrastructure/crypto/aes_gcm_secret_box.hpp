#pragma once

#include "core/application/ports/secret_box.hpp"
#include "core/infrastructure/crypto/encryption_key.hpp"

namespace ryax::infra::crypto {

// SecretBox with AES-256-GCM (OpenSSL): a sealed value is
// "v1:" + base64(nonce | ciphertext | tag), with a random 96-bit nonce per
// value and a 128-bit tag; the prefix is authenticated too (as associated
// data). Thread-safe: each call uses its own cipher context.
class AesGcmSecretBox final : public app::SecretBox
{
public:
  // The prefix of the values this box seals.
  static constexpr std::string_view k_prefix = "v1:";

  explicit AesGcmSecretBox(const EncryptionKey& key);
  ~AesGcmSecretBox() override;
  AesGcmSecretBox(const AesGcmSecretBox&) = delete;
  AesGcmSecretBox& operator=(const AesGcmSecretBox&) = delete;

  Result<std::string> seal(std::string_view plaintext) override;
  Result<std::string> open(std::string_view sealed) override;
  bool is_sealed(std::string_view text) const override;

private:
  EncryptionKey m_key;
};

} // namespace ryax::infra::crypto
