#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"
#include "core/infrastructure/sqlite/secret_sealing.hpp"
#include "core/infrastructure/sqlite/sqlite_repository_store.hpp"
#include "tests/support/legacy_database.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <string>

using namespace ryax;
using namespace ryax::infra;
using namespace ryax::test;

namespace {

crypto::EncryptionKey
test_key(unsigned char fill = 3)
{
  crypto::EncryptionKey key{};
  key.fill(fill);
  return key;
}

domain::Repository
repository(const std::string& name)
{
  domain::Repository r;
  r.name = name;
  r.url = "https://git.example.org/" + name + ".git";
  r.username = "alice";
  r.has_password = true;
  r.created_at = 1;
  return r;
}

// A column of the repositories table, as stored.
std::string
stored(sqlite::Database& db, const std::string& name, const std::string& column)
{
  SQLite::Statement q(db.connection(),
                      "SELECT " + column + " FROM repositories WHERE name = ?");
  q.bind(1, name);
  REQUIRE(q.executeStep());
  return q.getColumn(0).getString();
}

// Every byte SQLite wrote for `path`: the database and its WAL.
std::string
raw_bytes(const std::string& path)
{
  return read_file(path) + read_file(path + "-wal");
}

struct StoreFixture
{
  TempDir dir;
  std::string path = dir / "ryax.db";
  std::unique_ptr<sqlite::Database> db = *sqlite::Database::open(path);
  crypto::AesGcmSecretBox box{ test_key() };
  sqlite::SqliteRepositoryStore store{ *db, box };
};

} // namespace

TEST_SUITE_BEGIN("infra::sqlite::SqliteRepositoryStore");

TEST_CASE("credentials are stored sealed and read back in plain text")
{
  StoreFixture f;
  REQUIRE(f.store.add(repository("lib"), { "s3cr3t-pass", "" }));
  REQUIRE(f.store.add(repository("ssh"), { "", "-----BEGIN KEY-----x" }));
  const auto password = stored(*f.db, "lib", "password");
  CHECK(password.starts_with("v1:"));
  CHECK(stored(*f.db, "lib", "ssh_key").empty()); // none stays none
  CHECK(stored(*f.db, "ssh", "ssh_key").starts_with("v1:"));
  CHECK(raw_bytes(f.path).find("s3cr3t-pass") == std::string::npos);
  CHECK(raw_bytes(f.path).find("BEGIN KEY") == std::string::npos);

  const auto secrets = f.store.secrets("default", "lib");
  REQUIRE(secrets);
  CHECK(secrets->password == "s3cr3t-pass");
  CHECK(secrets->ssh_key.empty());
  CHECK(f.store.secrets("default", "ssh")->ssh_key == "-----BEGIN KEY-----x");
  const auto shown = f.store.get("default", "lib");
  REQUIRE(shown);
  CHECK(shown->has_password);
  CHECK_FALSE(shown->has_ssh_key);
}

TEST_CASE("a credential that does not open is an error naming its repository")
{
  StoreFixture f;
  REQUIRE(f.store.add(repository("lib"), { "s3cr3t-pass", "" }));
  auto sealed = stored(*f.db, "lib", "password");
  sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
  f.db->connection().exec("UPDATE repositories SET password = '" + sealed +
                          "'");
  const auto secrets = f.store.secrets("default", "lib");
  REQUIRE_FALSE(secrets);
  CHECK(secrets.error().code == ErrorCode::failed_precondition);
  CHECK(secrets.error().message ==
        "repository \"lib\": password: cannot decrypt: sealed with another "
        "encryption key, or altered");

  crypto::AesGcmSecretBox other(test_key(4));
  sqlite::SqliteRepositoryStore elsewhere(*f.db, other);
  REQUIRE(f.store.add(repository("two"), { "", "key" }));
  CHECK(elsewhere.secrets("default", "two").error().message ==
        "repository \"two\": ssh key: cannot decrypt: sealed with another "
        "encryption key, or altered");
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("infra::sqlite::seal_stored_secrets");

TEST_CASE("credentials of a schema 6 database are sealed at the first start")
{
  TempDir dir;
  const auto path = dir / "ryax.db";
  write_legacy_database(path, 6);
  insert_repository_row(
    path, "old", "file:///srv/old.git", "bob", "pl41n-old-pass", "");
  insert_repository_row(path, "keyed", "ssh://h/x", "", "", "PL41N-SSH-KEY");
  insert_repository_row(path, "open", "/srv/open.git", "", "", "");
  REQUIRE(read_file(path).find("pl41n-old-pass") != std::string::npos);

  auto db = sqlite::Database::open(path);
  REQUIRE(db);
  CHECK((*db)->schema_version() == sqlite::latest_schema_version());
  crypto::AesGcmSecretBox box(test_key());
  CHECK(*sqlite::has_sealed_secrets(**db) == false);
  REQUIRE(sqlite::seal_stored_secrets(**db, box, "the test key"));
  CHECK(*sqlite::has_sealed_secrets(**db) == true);
  CHECK(stored(**db, "old", "password").starts_with("v1:"));
  CHECK(stored(**db, "keyed", "ssh_key").starts_with("v1:"));
  CHECK(stored(**db, "open", "password").empty());
  // Not left behind in the file, its free space or its WAL.
  CHECK(raw_bytes(path).find("pl41n-old-pass") == std::string::npos);
  CHECK(raw_bytes(path).find("PL41N-SSH-KEY") == std::string::npos);

  sqlite::SqliteRepositoryStore store(**db, box);
  CHECK(store.secrets("default", "old")->password == "pl41n-old-pass");
  CHECK(store.secrets("default", "keyed")->ssh_key == "PL41N-SSH-KEY");
  const auto shown = store.get("default", "old");
  REQUIRE(shown);
  CHECK(shown->has_password);

  // The marker is gone: a second start seals nothing more, changes nothing.
  const auto sealed = stored(**db, "old", "password");
  REQUIRE(sqlite::seal_stored_secrets(**db, box, "the test key"));
  CHECK(stored(**db, "old", "password") == sealed);
}

TEST_CASE("another key than the one that sealed is refused, and nothing "
          "changes")
{
  TempDir dir;
  const auto path = dir / "ryax.db";
  write_legacy_database(path, 6);
  insert_repository_row(path, "old", "/srv/old.git", "bob", "pl41n", "");
  {
    auto db = sqlite::Database::open(path);
    REQUIRE(db);
    crypto::AesGcmSecretBox box(test_key());
    REQUIRE(sqlite::seal_stored_secrets(**db, box, "the first key"));
  }
  auto db = sqlite::Database::open(path);
  REQUIRE(db);
  const auto before = stored(**db, "old", "password");
  crypto::AesGcmSecretBox other(test_key(9));
  const auto sealed =
    sqlite::seal_stored_secrets(**db, other, "RYAX_ENCRYPTION_KEY");
  REQUIRE_FALSE(sealed);
  CHECK(sealed.error().code == ErrorCode::failed_precondition);
  CHECK(sealed.error().message ==
        "the encryption key (RYAX_ENCRYPTION_KEY) is not the one that sealed "
        "the secrets of database \"" +
          path +
          "\": give the key they were sealed with (the database was not "
          "modified)");
  CHECK(stored(**db, "old", "password") == before);
}

TEST_SUITE_END();
