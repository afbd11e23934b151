#pragma once

#include "core/application/ports/build_store.hpp"

#include <mutex>
#include <string>

namespace ryax::infra::filestore {

// Build logs as files <dir>/<job id>.log, one line per append.
class FileBuildLogStore : public app::BuildLogStore
{
public:
  explicit FileBuildLogStore(std::string dir);

  void append(std::int64_t job_id, std::string_view line) override;
  Result<std::pair<std::string, std::size_t>> read(std::int64_t job_id,
                                                   std::size_t offset) override;

private:
  std::string m_dir;
  std::mutex m_mutex;
};

// Bundles as directories <dir>/<key>/, built in <dir>/.staging/ and moved in
// place with a rename, so that a bundle is complete or absent.
class FileBundleStore : public app::BundleStore
{
public:
  explicit FileBundleStore(std::string dir);

  bool contains(const std::string& key) override;
  std::string path(const std::string& key) override;
  Result<std::string> read(const std::string& key, const std::string& relative) override;
  Result<Staging> stage() override;
  Result<void> commit(const Staging& staging, const std::string& key) override;
  void discard(const Staging& staging) override;

private:
  std::string m_dir;
};

} // namespace ryax::infra::filestore
