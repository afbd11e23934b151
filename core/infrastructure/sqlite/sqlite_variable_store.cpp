#include "core/infrastructure/sqlite/sqlite_variable_store.hpp"

#include "core/domain/run_values.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

namespace ryax::infra::sqlite {

namespace {

constexpr const char* k_columns =
  "project, name, type, description, value, sealed, updated_at";

Result<domain::Variable>
read_variable(SQLite::Statement& q, app::SecretBox& box)
{
  domain::Variable variable;
  variable.project = q.getColumn(0).getString();
  variable.name = q.getColumn(1).getString();
  const auto where = fmt::format(
    "variable \"{}\" of project \"{}\"", variable.name, variable.project);
  const auto type_text = q.getColumn(2).getString();
  const auto type = domain::parse_variable_type(type_text);
  if (!type) {
    return fail(ErrorCode::internal,
                fmt::format("{}: unknown type \"{}\"", where, type_text));
  }
  variable.type = *type;
  variable.description = q.getColumn(3).getString();
  auto text = q.getColumn(4).getString();
  if (q.getColumn(5).getInt() != 0) {
    auto opened = box.open(text);
    if (!opened) {
      return fail(ErrorCode::internal,
                  fmt::format("{}: {}", where, opened.error().message));
    }
    text = std::move(*opened);
  }
  // Read back as it was accepted (the limits never shrink a stored value).
  domain::IoSpec spec;
  spec.name = variable.name;
  spec.type = variable.type;
  auto value = domain::parse_value_text(spec, text);
  if (!value) {
    return fail(ErrorCode::internal,
                fmt::format("{}: stored value does not read back as {}",
                            where,
                            domain::to_string(variable.type)));
  }
  variable.value = std::move(*value);
  variable.updated_at = q.getColumn(6).getInt64();
  return variable;
}

} // namespace

SqliteVariableStore::SqliteVariableStore(Database& database,
                                         app::SecretBox& box)
  : m_database(database)
  , m_box(box)
{
}

Result<void>
SqliteVariableStore::put(const domain::Variable& variable)
{
  const bool sealed = std::holds_alternative<domain::Secret>(variable.value);
  auto text = domain::variable_value_text(variable.value);
  if (sealed) {
    RYAX_TRY_ASSIGN(text, m_box.seal(text));
  }
  return m_database.locked([&]() -> Result<void> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("INSERT OR REPLACE INTO variables ({}) VALUES (?, ?, ?, ?, "
                  "?, ?, ?)",
                  k_columns));
    q.bind(1, variable.project);
    q.bind(2, variable.name);
    q.bind(3, std::string(domain::to_string(variable.type)));
    q.bind(4, variable.description);
    q.bind(5, text);
    q.bind(6, sealed ? 1 : 0);
    q.bind(7, static_cast<int64_t>(variable.updated_at));
    q.exec();
    return {};
  });
}

Result<std::optional<domain::Variable>>
SqliteVariableStore::get(const std::string& project, const std::string& name)
{
  return m_database.locked([&]() -> Result<std::optional<domain::Variable>> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("SELECT {} FROM variables WHERE project = ? AND name = ?",
                  k_columns));
    q.bind(1, project);
    q.bind(2, name);
    if (!q.executeStep()) {
      return std::optional<domain::Variable>{};
    }
    RYAX_TRY_ASSIGN(auto variable, read_variable(q, m_box));
    return std::optional{ std::move(variable) };
  });
}

Result<std::vector<domain::Variable>>
SqliteVariableStore::list(const std::string& project)
{
  return m_database.locked([&]() -> Result<std::vector<domain::Variable>> {
    SQLite::Statement q(
      m_database.connection(),
      fmt::format("SELECT {} FROM variables WHERE project = ? ORDER BY name",
                  k_columns));
    q.bind(1, project);
    std::vector<domain::Variable> variables;
    while (q.executeStep()) {
      RYAX_TRY_ASSIGN(auto variable, read_variable(q, m_box));
      variables.push_back(std::move(variable));
    }
    return variables;
  });
}

Result<std::size_t>
SqliteVariableStore::count(const std::string& project)
{
  return m_database.locked([&]() -> Result<std::size_t> {
    SQLite::Statement q(m_database.connection(),
                        "SELECT COUNT(*) FROM variables WHERE project = ?");
    q.bind(1, project);
    q.executeStep();
    return static_cast<std::size_t>(q.getColumn(0).getInt64());
  });
}

Result<bool>
SqliteVariableStore::remove(const std::string& project, const std::string& name)
{
  return m_database.locked([&]() -> Result<bool> {
    SQLite::Statement q(m_database.connection(),
                        "DELETE FROM variables WHERE project = ? AND name = ?");
    q.bind(1, project);
    q.bind(2, name);
    return q.exec() > 0;
  });
}

} // namespace ryax::infra::sqlite
