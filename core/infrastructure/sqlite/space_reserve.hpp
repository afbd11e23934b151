#pragma once

#include <string>

namespace ryax::infra::sqlite {

// A file of zeros kept beside the database (`<db>.reserve`) so that, when
// its disk is full, deleting runs (the way users free space) still has room
// for SQLite's journal: SqliteRunStore::remove releases it and retries once.
// Its size is 1/64 of the file system, between 1 and 16 MiB.
class SpaceReserve
{
public:
  explicit SpaceReserve(std::string database_path);

  // Create the file when it is missing and the disk has room for it
  // (nothing is left half-written). Whether it exists now.
  bool keep();

  // Remove it, giving its space back. Whether there was one.
  bool release();

  // Its path.
  const std::string& path() const { return m_path; }

private:
  std::string m_path;
};

} // namespace ryax::infra::sqlite
