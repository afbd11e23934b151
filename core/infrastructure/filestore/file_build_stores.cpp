#include "core/infrastructure/filestore/file_build_stores.hpp"

#include "core/infrastructure/files/read_file.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace ryax::infra::filestore {

FileBuildLogStore::FileBuildLogStore(std::string dir) : m_dir(std::move(dir)) {}

void
FileBuildLogStore::append(std::int64_t job_id, std::string_view line)
{
  std::lock_guard lock(m_mutex);
  std::error_code ec;
  fs::create_directories(m_dir, ec);
  std::ofstream out(fmt::format("{}/{}.log", m_dir, job_id), std::ios::app);
  out << line << '\n';
}

Result<std::pair<std::string, std::size_t>>
FileBuildLogStore::read(std::int64_t job_id, std::size_t offset)
{
  std::lock_guard lock(m_mutex);
  std::ifstream in(fmt::format("{}/{}.log", m_dir, job_id), std::ios::binary);
  if (!in) {
    return std::pair{std::string(), offset};
  }
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream text;
  text << in.rdbuf();
  auto chunk = text.str();
  return std::pair{chunk, offset + chunk.size()};
}

FileBundleStore::FileBundleStore(std::string dir) : m_dir(std::move(dir)) {}

bool
FileBundleStore::contains(const std::string& key)
{
  std::error_code ec;
  return fs::is_directory(path(key), ec);
}

std::string
FileBundleStore::path(const std::string& key)
{
  return m_dir + "/" + key;
}

Result<std::string>
FileBundleStore::read(const std::string& key, const std::string& relative)
{
  // The small files ryax writes beside the build (build.json, the lock).
  auto content =
    files::read_file(path(key) + "/" + relative, std::uint64_t{ 16 } << 20);
  if (!content && content.error().code == ErrorCode::not_found) {
    return fail(ErrorCode::not_found,
                fmt::format("bundle {} has no \"{}\"", key, relative));
  }
  return content;
}

Result<app::BundleStore::Staging>
FileBundleStore::stage()
{
  static std::atomic<unsigned> counter{0};
  const auto stamp =
    std::chrono::steady_clock::now().time_since_epoch().count();
  Staging staging;
  staging.root = fmt::format("{}/.staging/{}-{}", m_dir, stamp, counter++);
  staging.source_dir = staging.root + "/source";
  staging.bundle_dir = staging.root + "/bundle";
  std::error_code ec;
  fs::create_directories(staging.bundle_dir, ec);
  if (ec) {
    return fail(ErrorCode::internal, fmt::format("cannot create \"{}\": {}",
                                                 staging.bundle_dir, ec.message()));
  }
  return staging;
}

Result<void>
FileBundleStore::commit(const Staging& staging, const std::string& key)
{
  std::error_code ec;
  const auto target = path(key);
  if (fs::exists(target, ec)) {
    // A forced rebuild replaces the bundle: move the old one aside first so
    // that the new one appears with one rename.
    const auto old = staging.root + "/replaced";
    fs::rename(target, old, ec);
  }
  fs::rename(staging.bundle_dir, target, ec);
  if (ec) {
    return fail(ErrorCode::internal, fmt::format("cannot store bundle \"{}\": {}",
                                                 target, ec.message()));
  }
  discard(staging);
  return {};
}

void
FileBundleStore::discard(const Staging& staging)
{
  std::error_code ec;
  fs::remove_all(staging.root, ec);
}

} // namespace ryax::infra::filestore
