#pragma once

#include "core/application/ports/run_staging.hpp"
#include "core/application/ports/run_store.hpp"
#include "core/application/ports/workflow_store.hpp"

#include <atomic>
#include <cstdint>
#include <string>

namespace ryax::infra::filestore {

// RunStaging on the local disk, under `work_dir`:
//
//   <work_dir>/exec/<execution id>/<input>/<name>   local copies of inputs
//   <work_dir>/stage/<n>/...                        uploads and static
//                                                   directories being stored
//
// The work dir holds nothing durable: it is emptied when the store is
// created (a daemon start). Thread-safe.
class FileRunStaging final : public app::RunStaging
{
public:
  FileRunStaging(std::string work_dir,
                 app::RunFileStore& files,
                 app::WorkflowFileStore& workflow_files);

  Result<domain::FileRef> put_upload(const app::Upload& upload) override;
  Result<domain::FileRef> put_static(
    const std::vector<app::StoredWorkflowFile>& files,
    const std::string& path) override;
  Result<domain::Values> stage_inputs(const std::string& execution_id,
                                      const domain::Values& inputs,
                                      const std::string& dir) override;
  void discard(const std::string& execution_id,
               const std::string& dir) override;
  Result<domain::Values> ingest_outputs(const std::string& outputs_dir,
                                        domain::Values outputs) override;
  void remove_outputs(const std::string& outputs_dir) override;

private:
  // A new empty directory under <work_dir>/stage.
  Result<std::string> stage_dir();

  std::string m_work_dir;
  app::RunFileStore& m_files;
  app::WorkflowFileStore& m_workflow_files;
  std::atomic<std::uint64_t> m_staged{ 0 };
};

} // namespace ryax::infra::filestore
