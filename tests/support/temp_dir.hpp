#pragma once

#include <filesystem>
#include <string>

namespace ryax::test {

// A fresh directory under a short root (/tmp/rx.XXXXXX, short enough for the
// 107-character UNIX socket limit). Removed on destruction when the current
// doctest test case passed; kept, with its path printed, when it failed.
class TempDir
{
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The directory.
  const std::filesystem::path& path() const { return m_path; }

  // `path() / relative`, as a string.
  std::string operator/(const std::string& relative) const;

private:
  std::filesystem::path m_path;
};

// Write `content` to `path`, creating parent directories.
void write_file(const std::filesystem::path& path, const std::string& content);

// The whole content of `path`; empty when it does not exist.
std::string read_file(const std::filesystem::path& path);

} // namespace ryax::test
