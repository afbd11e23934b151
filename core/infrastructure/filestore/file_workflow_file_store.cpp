#include "core/infrastructure/filestore/file_workflow_file_store.hpp"

#include <fmt/format.h>
#include <git2.h>

#include <atomic>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

namespace {

std::string
content_key(std::string_view content)
{
  // Some hash backends need libgit2's global state; keep it for good.
  static const int k_libgit2 = git_libgit2_init();
  (void)k_libgit2;
  git_oid oid;
  git_odb_hash(&oid, content.data(), content.size(), GIT_OBJECT_BLOB);
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof(hex), &oid);
  return hex;
}

} // namespace

FileWorkflowFileStore::FileWorkflowFileStore(std::string dir)
  : m_dir(std::move(dir))
{
}

Result<std::string>
FileWorkflowFileStore::put(std::string_view content)
{
  const auto key = content_key(content);
  const auto target = path(key);
  std::error_code ec;
  if (fs::exists(target, ec)) {
    return key;
  }
  fs::create_directories(m_dir, ec);
  static std::atomic<unsigned> counter{ 0 };
  const auto temporary = fmt::format("{}/.{}.{}.tmp", m_dir, key, counter++);
  {
    std::ofstream out(temporary, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) {
      return fail(ErrorCode::internal,
                  fmt::format("cannot write \"{}\"", temporary));
    }
  }
  fs::rename(temporary, target, ec);
  if (ec) {
    fs::remove(temporary, ec);
    return fail(ErrorCode::internal,
                fmt::format("cannot store \"{}\": {}", target, ec.message()));
  }
  return key;
}

std::string
FileWorkflowFileStore::path(const std::string& key)
{
  return m_dir + "/" + key;
}

} // namespace ryax::infra::filestore
