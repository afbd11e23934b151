#include "core/infrastructure/sqlite/sqlite_repository_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

namespace ryax::infra::sqlite {

namespace {

constexpr const char* k_columns =
  "name, url, branch, username, password != '', ssh_key != '', created_at, "
  "last_scan_at, last_scan_ref, last_scan_commit, project";

domain::Repository
read_row(SQLite::Statement& q)
{
  domain::Repository r;
  r.name = q.getColumn(0).getString();
  r.url = q.getColumn(1).getString();
  r.branch = q.getColumn(2).getString();
  r.username = q.getColumn(3).getString();
  r.has_password = q.getColumn(4).getInt() != 0;
  r.has_ssh_key = q.getColumn(5).getInt() != 0;
  r.created_at = q.getColumn(6).getInt64();
  if (!q.getColumn(7).isNull()) {
    r.last_scan_at = q.getColumn(7).getInt64();
  }
  r.last_scan_ref = q.getColumn(8).getString();
  r.last_scan_commit = q.getColumn(9).getString();
  r.project = q.getColumn(10).getString();
  return r;
}

Error
not_found(const std::string& name)
{
  return Error{ErrorCode::not_found,
               fmt::format("repository \"{}\" not found", name)};
}

// `secret` as stored: sealed, or "" for none.
Result<std::string>
sealed_or_empty(app::SecretBox& box, const std::string& secret)
{
  if (secret.empty()) {
    return std::string();
  }
  return box.seal(secret);
}

// The plaintext of the stored `text`, field `field` of repository `name`.
Result<std::string>
opened(app::SecretBox& box,
       const std::string& text,
       const std::string& name,
       std::string_view field)
{
  if (text.empty() || !box.is_sealed(text)) {
    return text; // none, or plaintext from before sealing
  }
  auto plaintext = box.open(text);
  if (!plaintext) {
    return fail(plaintext.error().code,
                fmt::format("repository \"{}\": {}: {}",
                            name,
                            field,
                            plaintext.error().message));
  }
  return plaintext;
}

} // namespace

SqliteRepositoryStore::SqliteRepositoryStore(Database& database,
                                             app::SecretBox& box)
  : m_database(database)
  , m_box(box)
{
}

Result<void>
SqliteRepositoryStore::add(const domain::Repository& r,
                           const domain::RepositorySecrets& secrets)
{
  // Sealed before the database is locked: the cipher needs no lock.
  RYAX_TRY_ASSIGN(const auto password, sealed_or_empty(m_box, secrets.password));
  RYAX_TRY_ASSIGN(const auto ssh_key, sealed_or_empty(m_box, secrets.ssh_key));
  return m_database.locked([&]() -> Result<void> {
    auto& c = m_database.connection();
    SQLite::Statement exists(
      c, "SELECT 1 FROM repositories WHERE project = ? AND name = ?");
    exists.bind(1, r.project);
    exists.bind(2, r.name);
    if (exists.executeStep()) {
      return fail(ErrorCode::already_exists,
                  fmt::format("repository \"{}\" already exists", r.name));
    }
    SQLite::Statement q(c, "INSERT INTO repositories (name, url, branch, "
                           "username, password, ssh_key, created_at, project) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, r.name);
    q.bind(2, r.url);
    q.bind(3, r.branch);
    q.bind(4, r.username);
    q.bind(5, password);
    q.bind(6, ssh_key);
    q.bind(7, static_cast<int64_t>(r.created_at));
    q.bind(8, r.project);
    q.exec();
    return {};
  });
}

Result<domain::Repository>
SqliteRepositoryStore::get(const std::string& project, const std::string& name)
{
  return m_database.locked([&]() -> Result<domain::Repository> {
    SQLite::Statement q(m_database.connection(),
                        fmt::format("SELECT {} FROM repositories WHERE "
                                    "project = ? AND name = ?",
                                    k_columns));
    q.bind(1, project);
    q.bind(2, name);
    if (!q.executeStep()) {
      return std::unexpected(not_found(name));
    }
    return read_row(q);
  });
}

Result<domain::RepositorySecrets>
SqliteRepositoryStore::secrets(const std::string& project,
                               const std::string& name)
{
  RYAX_TRY_ASSIGN(
    const auto stored,
    m_database.locked([&]() -> Result<domain::RepositorySecrets> {
      SQLite::Statement q(
        m_database.connection(),
        "SELECT password, ssh_key FROM repositories WHERE project = ? AND "
        "name = ?");
      q.bind(1, project);
      q.bind(2, name);
      if (!q.executeStep()) {
        return std::unexpected(not_found(name));
      }
      return domain::RepositorySecrets{ q.getColumn(0).getString(),
                                        q.getColumn(1).getString() };
    }));
  domain::RepositorySecrets secrets;
  RYAX_TRY_ASSIGN(secrets.password,
                  opened(m_box, stored.password, name, "password"));
  RYAX_TRY_ASSIGN(secrets.ssh_key,
                  opened(m_box, stored.ssh_key, name, "ssh key"));
  return secrets;
}

Result<std::vector<domain::Repository>>
SqliteRepositoryStore::list(const std::string& project)
{
  return m_database.locked([&]() -> Result<std::vector<domain::Repository>> {
    SQLite::Statement q(m_database.connection(),
                        fmt::format("SELECT {} FROM repositories WHERE "
                                    "project = ? ORDER BY name",
                                    k_columns));
    q.bind(1, project);
    std::vector<domain::Repository> result;
    while (q.executeStep()) {
      result.push_back(read_row(q));
    }
    return result;
  });
}

Result<void>
SqliteRepositoryStore::remove(const std::string& project,
                              const std::string& name)
{
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(m_database.connection(),
                        "DELETE FROM repositories WHERE project = ? AND "
                        "name = ?");
    q.bind(1, project);
    q.bind(2, name);
    if (q.exec() == 0) {
      return std::unexpected(not_found(name));
    }
    return {};
  });
}

} // namespace ryax::infra::sqlite
