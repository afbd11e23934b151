#include "core/infrastructure/s3/s3_run_file_store.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

namespace ryax::infra::s3 {

S3RunFileStore::S3RunFileStore(std::string local_root, S3Settings settings)
  : m_local(std::move(local_root))
  , m_client(std::move(settings))
{
}

std::string
S3RunFileStore::object_key(const std::string& key)
{
  return "runs/" + key;
}

Result<void>
S3RunFileStore::open()
{
  return m_client.ensure_bucket();
}

Result<domain::FileRef>
S3RunFileStore::publish(const domain::FileRef& ref)
{
  auto uploaded = [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto blob, m_local.blob_path(ref));
    const auto object = object_key(ref.key);
    RYAX_TRY_ASSIGN(const bool there, m_client.exists(object));
    if (there) {
      return {}; // same key, same bytes
    }
    return m_client.put_file(object, blob);
  }();
  if (!uploaded) {
    m_local.release({ ref.key });
    return std::unexpected(std::move(uploaded).error());
  }
  return ref;
}

Result<domain::FileRef>
S3RunFileStore::put_file(const std::string& path, const std::string& name)
{
  std::shared_lock gate(m_gate);
  RYAX_TRY_ASSIGN(const auto ref, m_local.put_file(path, name));
  return publish(ref);
}

Result<domain::FileRef>
S3RunFileStore::put_directory(const std::string& path, const std::string& name)
{
  std::shared_lock gate(m_gate);
  RYAX_TRY_ASSIGN(const auto ref, m_local.put_directory(path, name));
  return publish(ref);
}

void
S3RunFileStore::release(const std::vector<std::string>& keys)
{
  m_local.release(keys);
}

Result<void>
S3RunFileStore::fetch(const domain::FileRef& ref)
{
  RYAX_TRY_ASSIGN(const auto dir, m_local.temp_dir());
  auto temp = dir + "/fetch.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return fail(ErrorCode::internal,
                fmt::format("cannot create a file in \"{}\": {}", dir,
                            std::strerror(errno)));
  }
  ::close(fd);
  auto got = m_client.get_file(object_key(ref.key), temp);
  if (!got) {
    ::unlink(temp.c_str());
    if (got.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::not_found,
                  fmt::format("no stored {} \"{}\" (neither here nor in "
                              "bucket \"{}\")",
                              ref.directory ? "directory" : "file", ref.key,
                              m_client.settings().bucket));
    }
    return std::unexpected(std::move(got).error());
  }
  auto adopted = m_local.adopt(temp, ref);
  if (!adopted) {
    app::log::warn("s3: object \"{}\" in bucket \"{}\": {}",
                   object_key(ref.key), m_client.settings().bucket,
                   adopted.error().message);
  }
  return adopted;
}

Result<std::string>
S3RunFileStore::blob_path(const domain::FileRef& ref)
{
  auto local = m_local.blob_path(ref);
  if (local || local.error().code != ErrorCode::not_found) {
    return local;
  }
  RYAX_TRY(fetch(ref));
  return m_local.blob_path(ref);
}

Result<std::string>
S3RunFileStore::materialize(const domain::FileRef& ref,
                            const std::string& dest_dir)
{
  RYAX_TRY(blob_path(ref));
  return m_local.materialize(ref, dest_dir);
}

Result<int>
S3RunFileStore::collect(
  const std::function<Result<std::vector<std::string>>()>& unreferenced)
{
  std::unique_lock gate(m_gate);
  std::vector<std::string> keys;
  RYAX_TRY_ASSIGN(const int removed, m_local.collect([&]() {
    auto found = unreferenced();
    if (found) {
      keys = *found;
    }
    return found;
  }));
  for (const auto& key : keys) {
    // Still here: held by a run, so kept in the bucket too (or malformed).
    if (auto local = m_local.blob_path(domain::FileRef{ key, false });
        local || local.error().code != ErrorCode::not_found) {
      continue;
    }
    if (auto gone = m_client.remove(object_key(key)); !gone) {
      app::log::warn("{}", gone.error().message);
    }
  }
  return removed;
}

} // namespace ryax::infra::s3
