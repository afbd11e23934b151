#pragma once

#include "core/domain/error.hpp"

#include <string>
#include <string_view>

namespace ryax::app {

// Encryption at rest of secret values (repository credentials, password
// values of runs): what a store writes instead of the plaintext, and back.
// A sealed value is self-describing text (a version prefix, then the
// ciphertext), so that a store can tell it from a plaintext written before
// sealing existed, and a later key can be told from this one.
class SecretBox
{
public:
  virtual ~SecretBox() = default;

  // The sealed text of `plaintext`: a fresh random nonce each call, so that
  // sealing the same plaintext twice gives two different texts. internal
  // when the cipher fails.
  virtual Result<std::string> seal(std::string_view plaintext) = 0;

  // The plaintext of `sealed`. invalid_argument when it is not a sealed
  // text (no known prefix, not base64, too short); failed_precondition when
  // it does not decrypt: sealed with another key, or altered. The message
  // says which but never shows the text; callers prefix what it belongs to
  // (`repository "lib": password: ...`).
  virtual Result<std::string> open(std::string_view sealed) = 0;

  // Whether `text` has the form of a sealed value (its prefix): a stored
  // value that is not is plaintext from before sealing.
  virtual bool is_sealed(std::string_view text) const = 0;
};

} // namespace ryax::app
