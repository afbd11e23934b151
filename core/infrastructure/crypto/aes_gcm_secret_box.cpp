#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"

#include "core/infrastructure/crypto/base64.hpp"

#include <climits>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace ryax::infra::crypto {

namespace {

constexpr int k_nonce_bytes = 12;
constexpr int k_tag_bytes = 16;

using CipherContext =
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext
new_context()
{
  return CipherContext(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
}

const unsigned char*
bytes(std::string_view text)
{
  return reinterpret_cast<const unsigned char*>(text.data());
}

unsigned char*
bytes(std::string& text)
{
  return reinterpret_cast<unsigned char*>(text.data());
}

} // namespace

AesGcmSecretBox::AesGcmSecretBox(const EncryptionKey& key)
  : m_key(key)
{
}

AesGcmSecretBox::~AesGcmSecretBox()
{
  OPENSSL_cleanse(m_key.data(), m_key.size());
}

bool
AesGcmSecretBox::is_sealed(std::string_view text) const
{
  return text.starts_with(k_prefix);
}

Result<std::string>
AesGcmSecretBox::seal(std::string_view plaintext)
{
  const auto cipher_failed = [] {
    return fail(ErrorCode::internal, "cannot seal a secret: the cipher failed");
  };
  if (plaintext.size() > INT_MAX - k_nonce_bytes - k_tag_bytes) {
    return fail(ErrorCode::invalid_argument,
                "cannot seal a secret of more than 2 GiB");
  }
  // nonce | ciphertext | tag, in one buffer.
  std::string out(k_nonce_bytes + plaintext.size() + k_tag_bytes, '\0');
  auto* nonce = bytes(out);
  auto* ciphertext = nonce + k_nonce_bytes;
  if (RAND_bytes(nonce, k_nonce_bytes) != 1) {
    return cipher_failed();
  }
  auto ctx = new_context();
  int length = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(
        ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(
        ctx.get(), EVP_CTRL_GCM_SET_IVLEN, k_nonce_bytes, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, m_key.data(), nonce) !=
        1 ||
      EVP_EncryptUpdate(ctx.get(),
                        nullptr,
                        &length,
                        bytes(k_prefix),
                        static_cast<int>(k_prefix.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(),
                        ciphertext,
                        &length,
                        bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ciphertext + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(),
                          EVP_CTRL_GCM_GET_TAG,
                          k_tag_bytes,
                          ciphertext + plaintext.size()) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return cipher_failed();
  }
  return std::string(k_prefix) + base64_encode(out);
}

Result<std::string>
AesGcmSecretBox::open(std::string_view sealed)
{
  if (!is_sealed(sealed)) {
    return fail(ErrorCode::invalid_argument,
                "not a sealed value (no \"v1:\" prefix)");
  }
  const auto raw = base64_decode(sealed.substr(k_prefix.size()));
  if (!raw || raw->size() < k_nonce_bytes + k_tag_bytes ||
      raw->size() > INT_MAX) {
    return fail(ErrorCode::invalid_argument,
                "not a sealed value (damaged: not base64 of a nonce, a "
                "ciphertext and a tag)");
  }
  const auto* nonce = bytes(*raw);
  const auto* ciphertext = nonce + k_nonce_bytes;
  const auto size = raw->size() - k_nonce_bytes - k_tag_bytes;
  // The tag is an input of the check: OpenSSL takes it non-const.
  std::string tag = raw->substr(k_nonce_bytes + size);
  std::string plaintext(size, '\0');
  auto ctx = new_context();
  int length = 0;
  const bool set_up =
    ctx &&
    EVP_DecryptInit_ex(
      ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
    EVP_CIPHER_CTX_ctrl(
      ctx.get(), EVP_CTRL_GCM_SET_IVLEN, k_nonce_bytes, nullptr) == 1 &&
    EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, m_key.data(), nonce) == 1 &&
    EVP_DecryptUpdate(ctx.get(),
                      nullptr,
                      &length,
                      bytes(k_prefix),
                      static_cast<int>(k_prefix.size())) == 1 &&
    EVP_DecryptUpdate(ctx.get(),
                      bytes(plaintext),
                      &length,
                      ciphertext,
                      static_cast<int>(size)) == 1 &&
    EVP_CIPHER_CTX_ctrl(
      ctx.get(), EVP_CTRL_GCM_SET_TAG, k_tag_bytes, tag.data()) == 1;
  if (!set_up) {
    return fail(ErrorCode::internal, "cannot open a secret: the cipher failed");
  }
  // Only the final step checks the tag: anything decrypted before is not
  // to be trusted (nor kept) when it fails.
  if (EVP_DecryptFinal_ex(ctx.get(), bytes(plaintext) + length, &length) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return fail(ErrorCode::failed_precondition,
                "cannot decrypt: sealed with another encryption key, or "
                "altered");
  }
  return plaintext;
}

} // namespace ryax::infra::crypto
