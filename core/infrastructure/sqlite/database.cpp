#include "core/infrastructure/sqlite/database.hpp"

#include "core/application/log.hpp"
#include "core/infrastructure/sqlite/schema.hpp"

#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>
#include <fmt/format.h>

#include <filesystem>

namespace ryax::infra::sqlite {

const std::vector<Migration>&
migrations()
{
  return schema_migrations();
}

int
latest_schema_version()
{
  return migrations().empty() ? 0 : migrations().back().version;
}

namespace {

// Read the schema version without writing anything to the file.
Result<int>
peek_schema_version(const std::string& path)
{
  if (!std::filesystem::exists(path)) {
    return 0;
  }
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    return db.execAndGet("PRAGMA user_version").getInt();
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_NOTADB) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("\"{}\" is not a ryax database (not SQLite)", path));
    }
    return fail(ErrorCode::internal,
                fmt::format("cannot read database \"{}\": {}", path, e.what()));
  }
}

} // namespace

Database::Database(const std::string& path, int schema_version)
  : m_path(path),
    m_db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX),
    m_schema_version(schema_version),
    m_reserve(path)
{
}

bool
Database::disk_full(const SQLite::Exception& e)
{
  return (e.getErrorCode() & 0xff) == SQLITE_FULL;
}

Result<std::unique_ptr<Database>>
Database::open(const std::string& path)
{
  RYAX_TRY_ASSIGN(const int found, peek_schema_version(path));
  const int latest = latest_schema_version();
  if (found > latest) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("database \"{}\" has schema version {}, newer than "
                            "the {} this ryaxd knows: run a newer ryaxd (the "
                            "file was not modified)",
                            path, found, latest));
  }
  try {
    std::unique_ptr<Database> db(new Database(path, found));
    auto& c = db->m_db;
    c.exec("PRAGMA journal_mode=WAL");
    c.exec("PRAGMA synchronous=NORMAL");
    c.exec("PRAGMA foreign_keys=ON");
    // Deleted content (a removed run's values, a variable's old value) is
    // overwritten in its page where that costs no extra write.
    c.exec("PRAGMA secure_delete=FAST");
    c.setBusyTimeout(5000);
    for (const auto& migration : migrations()) {
      if (migration.version <= found) {
        continue;
      }
      SQLite::Transaction tx(c);
      c.exec(std::string(migration.sql));
      c.exec(fmt::format("PRAGMA user_version = {}", migration.version));
      tx.commit();
      app::log::info("database {}: migrated to schema {} ({})", path,
                     migration.version, migration.description);
    }
    db->m_schema_version = latest;
    if (!db->m_reserve.keep()) {
      app::log::warn("no room for the space reserve {} (the disk is full?)",
                     db->m_reserve.path());
    }
    return db;
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_NOTADB) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("\"{}\" is not a ryax database (not SQLite)", path));
    }
    return fail(ErrorCode::internal,
                fmt::format("cannot open database \"{}\": {}", path, e.what()));
  }
}

Error
Database::error_of(const SQLite::Exception& e) const
{
  const auto where = fmt::format("database \"{}\"", m_path);
  switch (e.getErrorCode() & 0xff) { // the primary code
  case SQLITE_FULL:
    return Error{ ErrorCode::unavailable,
                  fmt::format("{}: the disk is full: nothing was written; "
                              "free space (ryax runs rm removes runs and their "
                              "files) and retry",
                              where) };
  case SQLITE_IOERR:
    return Error{ ErrorCode::unavailable,
                  fmt::format("{}: I/O error ({}): nothing was written; check "
                              "the disk and retry",
                              where, e.what()) };
  case SQLITE_READONLY:
    return Error{ ErrorCode::unavailable,
                  fmt::format("{}: cannot write ({}): check the file's "
                              "permissions and the file system",
                              where, e.what()) };
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return Error{ ErrorCode::unavailable,
                  fmt::format("{}: busy ({}): retry", where, e.what()) };
  default:
    return Error{ ErrorCode::internal, fmt::format("{}: {}", where, e.what()) };
  }
}

} // namespace ryax::infra::sqlite
