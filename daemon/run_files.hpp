#pragma once

#include "core/application/ports/run_store.hpp"
#include "core/infrastructure/config/daemon_config.hpp"

#include <memory>
#include <string>

namespace ryax::daemon {

// The run file store that ryaxd.yaml `filestore` names: local under
// `data_dir`/run-files, or that local tier plus an S3 bucket (created when
// missing): the main daemon's and a worker agent's alike. The errors of
// opening the bucket.
Result<std::unique_ptr<app::RunFileStore>> open_run_files(
  const std::string& data_dir,
  const infra::config::DaemonConfig& config);

} // namespace ryax::daemon
