#pragma once

#include "core/domain/error.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

// The key that seals secrets at rest: from RYAX_ENCRYPTION_KEY, else from
// the key file of the data dir, created at first start.
namespace ryax::infra::crypto {

// An AES-256 key.
using EncryptionKey = std::array<unsigned char, 32>;

// The name of the key file in the data dir.
inline constexpr std::string_view k_key_file_name = "secret.key";

// The key written as `text` (RYAX_ENCRYPTION_KEY): 64 hexadecimal digits,
// or the padded base64 of 32 bytes; surrounding whitespace is ignored.
// invalid_argument naming `origin` and what was expected; the message never
// holds the text.
Result<EncryptionKey> parse_encryption_key(std::string_view text,
                                           std::string_view origin);

// The key in the file `path`: its 32 bytes. When it does not exist and
// `create`, 32 random bytes are written to it first (mode 0600, through a
// temporary file linked into place). failed_precondition, naming the file
// and what to do, when it is missing and not `create`, is not a regular
// file, is not owned by this user, can be read or written by its group or
// others, or does not hold exactly 32 bytes; internal when it cannot be
// read, written or the random source fails.
Result<EncryptionKey> load_or_create_key_file(const std::string& path,
                                              bool create = true);

// Where the key of a daemon comes from.
struct KeySource
{
  // RYAX_ENCRYPTION_KEY's text; nullopt when unset (then the file is used).
  std::optional<std::string> text;
  // The key file, "<data dir>/secret.key".
  std::string file;
};

// The key `source` names: parse_encryption_key of its text when set (the
// file is then neither read nor created), else load_or_create_key_file
// (creating it only when `create`).
Result<EncryptionKey> load_encryption_key(const KeySource& source,
                                          bool create = true);

} // namespace ryax::infra::crypto
