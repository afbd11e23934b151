#pragma once

#include <string>

namespace ryax::test {

// Create the SQLite database `path` as a ryaxd of schema `version` left it
// (the migrations up to `version` applied, its user_version set), in
// rollback-journal mode with no daemon metadata beyond the schema.
void write_legacy_database(const std::string& path, int version);

// Insert a repository row, its credentials as given (plain text for a
// database of schema 6 or less), into the database `path`.
void insert_repository_row(const std::string& path,
                           const std::string& name,
                           const std::string& url,
                           const std::string& username,
                           const std::string& password,
                           const std::string& ssh_key);

} // namespace ryax::test
