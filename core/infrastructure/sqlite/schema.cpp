#include "core/infrastructure/sqlite/schema.hpp"

#include "core/infrastructure/sqlite/database.hpp"

namespace ryax::infra::sqlite {

const std::vector<Migration>&
schema_migrations()
{
  static const std::vector<Migration> k_migrations = {
    {1, "daemon metadata", R"sql(
CREATE TABLE daemon_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql"},
  };
  return k_migrations;
}

} // namespace ryax::infra::sqlite
