#pragma once

#include "core/application/ports/secret_box.hpp"
#include "core/infrastructure/sqlite/database.hpp"

#include <string_view>

namespace ryax::infra::sqlite {

// Whether secrets were sealed in `database` (it has a key check): then its
// key must not be made anew. internal when the database fails.
Result<bool> has_sealed_secrets(Database& database);

// The start-up step of sealing at rest, after the migrations, in one
// transaction:
// - the key check: a value sealed with the first key the database saw
//   (daemon_meta "key_check") must open with `box`; else failed_precondition
//   naming the database and `key_origin` ("RYAX_ENCRYPTION_KEY", the key
//   file's path), and nothing is changed. Written when there is none.
// - when migration 7 left its marker, every repository password and SSH key
//   stored in plain text (without the box's prefix) is sealed, and the
//   marker removed.
// internal when the database or the cipher fails.
Result<void> seal_stored_secrets(Database& database,
                                 app::SecretBox& box,
                                 std::string_view key_origin);

} // namespace ryax::infra::sqlite
