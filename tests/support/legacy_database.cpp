#include "tests/support/legacy_database.hpp"

#include "core/infrastructure/sqlite/database.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace ryax::test {

void
write_legacy_database(const std::string& path, int version)
{
  SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (const auto& migration : infra::sqlite::migrations()) {
    if (migration.version > version) {
      break;
    }
    db.exec(std::string(migration.sql));
  }
  db.exec("PRAGMA user_version = " + std::to_string(version));
}

void
insert_repository_row(const std::string& path,
                      const std::string& name,
                      const std::string& url,
                      const std::string& username,
                      const std::string& password,
                      const std::string& ssh_key)
{
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  SQLite::Statement q(
    db,
    "INSERT INTO repositories (name, url, username, "
    "password, ssh_key, created_at) VALUES (?, ?, ?, ?, ?, 1)");
  q.bind(1, name);
  q.bind(2, url);
  q.bind(3, username);
  q.bind(4, password);
  q.bind(5, ssh_key);
  q.exec();
}

} // namespace ryax::test
