#include "core/infrastructure/sqlite/secret_sealing.hpp"

#include "core/application/log.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <cstdint>
#include <vector>

namespace ryax::infra::sqlite {

namespace {

constexpr std::string_view k_key_check = "ryax key check";

// Check `box` against the key check, or write it.
Result<void>
check_key(SQLite::Database& c,
          app::SecretBox& box,
          const std::string& path,
          std::string_view key_origin)
{
  SQLite::Statement q(c,
                      "SELECT value FROM daemon_meta WHERE key = 'key_check'");
  if (q.executeStep()) {
    const auto opened = box.open(q.getColumn(0).getString());
    if (!opened || *opened != k_key_check) {
      return fail(ErrorCode::failed_precondition,
                  fmt::format("the encryption key ({}) is not the one that "
                              "sealed the secrets of database \"{}\": give "
                              "the key they were sealed with (the database "
                              "was not modified)",
                              key_origin,
                              path));
    }
    return {};
  }
  RYAX_TRY_ASSIGN(const auto sealed, box.seal(k_key_check));
  SQLite::Statement insert(
    c, "INSERT INTO daemon_meta (key, value) VALUES ('key_check', ?)");
  insert.bind(1, sealed);
  insert.exec();
  return {};
}

// Seal the credentials stored in plain text; how many were.
Result<int>
seal_credentials(SQLite::Database& c, app::SecretBox& box)
{
  struct Plain
  {
    std::int64_t row = 0; // the repository's rowid
    const char* column;
    std::string text;
  };
  std::vector<Plain> plain;
  {
    SQLite::Statement q(c, "SELECT rowid, password, ssh_key FROM repositories");
    while (q.executeStep()) {
      for (const auto& [index, column] :
           { std::pair{ 1, "password" }, std::pair{ 2, "ssh_key" } }) {
        auto text = q.getColumn(index).getString();
        if (!text.empty() && !box.is_sealed(text)) {
          plain.push_back(
            { q.getColumn(0).getInt64(), column, std::move(text) });
        }
      }
    }
  }
  for (const auto& value : plain) {
    RYAX_TRY_ASSIGN(const auto sealed, box.seal(value.text));
    SQLite::Statement update(
      c,
      fmt::format("UPDATE repositories SET {} = ? WHERE rowid = ?",
                  value.column));
    update.bind(1, sealed);
    update.bind(2, value.row);
    update.exec();
  }
  return static_cast<int>(plain.size());
}

} // namespace

Result<bool>
has_sealed_secrets(Database& database)
{
  return database.locked([&]() -> Result<bool> {
    SQLite::Statement q(database.connection(),
                        "SELECT 1 FROM daemon_meta WHERE key = 'key_check'");
    return q.executeStep();
  });
}

Result<void>
seal_stored_secrets(Database& database,
                    app::SecretBox& box,
                    std::string_view key_origin)
{
  return database.locked([&]() -> Result<void> {
    auto& c = database.connection();
    // The plaintext a sealed value replaces is zeroed, not left in the
    // page's free space.
    c.exec("PRAGMA secure_delete = ON");
    // Returning early rolls back: nothing changes with a wrong key.
    SQLite::Transaction tx(c);
    RYAX_TRY(check_key(c, box, database.path(), key_origin));
    SQLite::Statement marker(
      c, "SELECT 1 FROM daemon_meta WHERE key = 'plaintext_credentials'");
    int sealed = 0;
    if (marker.executeStep()) {
      marker.reset();
      RYAX_TRY_ASSIGN(sealed, seal_credentials(c, box));
      c.exec("DELETE FROM daemon_meta WHERE key = 'plaintext_credentials'");
    }
    tx.commit();
    c.exec("PRAGMA secure_delete = OFF");
    if (sealed > 0) {
      // Into the database file now, and out of the WAL.
      c.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      app::log::info("database {}: {} repository credential(s) stored in "
                     "plain text are now sealed",
                     database.path(),
                     sealed);
    }
    return {};
  });
}

} // namespace ryax::infra::sqlite
