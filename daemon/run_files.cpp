#include "daemon/run_files.hpp"

#include "core/application/log.hpp"
#include "core/infrastructure/filestore/file_run_file_store.hpp"
#include "core/infrastructure/s3/s3_run_file_store.hpp"

namespace ryax::daemon {

Result<std::unique_ptr<app::RunFileStore>>
open_run_files(const std::string& data_dir,
               const infra::config::DaemonConfig& config)
{
  const auto& store = config.filestore.value;
  if (store.type != "s3") {
    return std::make_unique<infra::filestore::FileRunFileStore>(
      data_dir + "/run-files");
  }
  infra::s3::S3Settings settings;
  settings.endpoint = store.endpoint;
  settings.bucket = store.bucket;
  settings.region = store.region;
  settings.access_key = store.access_key;
  settings.secret_key = store.secret_key;
  auto s3 = std::make_unique<infra::s3::S3RunFileStore>(
    data_dir + "/run-files", std::move(settings));
  RYAX_TRY(s3->open());
  app::log::info("run files: local tier {}/run-files, bucket \"{}\" at {}",
                 data_dir, store.bucket, store.endpoint);
  return s3;
}


} // namespace ryax::daemon
