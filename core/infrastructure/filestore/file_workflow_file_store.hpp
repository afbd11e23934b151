#pragma once

#include "core/application/ports/workflow_store.hpp"

#include <string>

namespace ryax::infra::filestore {

// Workflow static files as <dir>/<key>, where the key is the git blob id
// (SHA-1, computed by libgit2) of the content. Written to a temporary name
// and renamed, so that a file is complete or absent.
class FileWorkflowFileStore : public app::WorkflowFileStore
{
public:
  explicit FileWorkflowFileStore(std::string dir);

  Result<std::string> put(std::string_view content) override;
  std::string path(const std::string& key) override;

private:
  std::string m_dir;
};

} // namespace ryax::infra::filestore
