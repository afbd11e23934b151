#pragma once

#include "core/domain/error.hpp"
#include "core/infrastructure/sqlite/space_reserve.hpp"

#include <SQLiteCpp/Database.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::sqlite {

// One schema migration: applied once, in order, inside a transaction.
struct Migration
{
  int version;
  std::string_view description;
  std::string_view sql;
};

// The migrations this build knows, in version order.
const std::vector<Migration>& migrations();

// The schema version this build writes (the last migration's).
int latest_schema_version();

// The daemon's SQLite database: WAL, foreign keys on, a busy timeout, and the
// schema migrated to latest_schema_version() at open.
class Database
{
public:
  // Open (creating) `path` and apply pending migrations. failed_precondition,
  // leaving the file untouched, when it was written by a newer schema;
  // invalid_argument when it is not a SQLite database; internal otherwise.
  static Result<std::unique_ptr<Database>> open(const std::string& path);

  // The connection. Callers serialise access with mutex().
  SQLite::Database& connection() { return m_db; }

  // Guards the connection: SQLiteCpp connections are not thread-safe.
  std::mutex& mutex() { return m_mutex; }

  // Run `body` (returning a Result) holding mutex(); a SQLite exception
  // becomes error_of() it.
  template<typename Body> auto locked(Body&& body) -> decltype(body());

  // The schema version after migrations.
  int schema_version() const { return m_schema_version; }

  // The file path.
  const std::string& path() const { return m_path; }

  // Run `body` as locked() does; when the disk is full, release the space
  // reserve and run it once more (for deletions, which free space), then
  // keep a reserve again if there is room.
  template<typename Body> auto locked_freeing(Body&& body) -> decltype(body());

  // Whether `e` says the disk is full.
  static bool disk_full(const SQLite::Exception& e);

  // `e` as an error naming the database: a full disk, an I/O error, a
  // read-only file or a lock held too long are unavailable (the request
  // may succeed later: say what to do), anything else internal.
  Error error_of(const SQLite::Exception& e) const;

private:
  Database(const std::string& path, int schema_version);

  std::string m_path;
  SQLite::Database m_db;
  std::mutex m_mutex;
  int m_schema_version;
  SpaceReserve m_reserve;
};

// --- Inline implementations ---

template<typename Body>
auto
Database::locked(Body&& body) -> decltype(body())
{
  std::lock_guard lock(m_mutex);
  try {
    return body();
  } catch (const SQLite::Exception& e) {
    return std::unexpected(error_of(e));
  }
}

template<typename Body>
auto
Database::locked_freeing(Body&& body) -> decltype(body())
{
  std::lock_guard lock(m_mutex);
  for (int attempt = 0;; ++attempt) {
    try {
      auto result = body();
      if (attempt > 0) {
        m_reserve.keep();
      }
      return result;
    } catch (const SQLite::Exception& e) {
      if (attempt > 0 || !disk_full(e) || !m_reserve.release()) {
        return std::unexpected(error_of(e));
      }
    }
  }
}

} // namespace ryax::infra::sqlite
