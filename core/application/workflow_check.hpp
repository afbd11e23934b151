#pragma once

#include "core/application/ports/workflow_store.hpp"
#include "core/application/workflow_service.hpp"
#include "core/domain/workflow_validation.hpp"

#include <map>
#include <string>
#include <vector>

namespace ryax::app {

// Workflow validation's view of a fixed set of action versions: a snapshot
// of the catalogue (ryaxd), or the actions of a working tree (ryax workflow
// validate --offline).
class VersionsLookup : public domain::ActionLookup
{
public:
  // `versions` in catalogue order, newest first for each id.
  explicit VersionsLookup(std::vector<domain::ActionVersion> versions);

  // See domain::ActionLookup::find.
  std::optional<domain::ActionVersion> find(
    const std::string& id, const std::string& version) const override;

  // See domain::ActionLookup::versions (oldest first).
  std::vector<std::string> versions(const std::string& id) const override;

  // See domain::ActionLookup::ids.
  std::vector<std::string> ids() const override;

private:
  std::map<std::string, std::vector<domain::ActionVersion>> m_by_id;
};

// Every problem of the workflow file `source`: those of parsing it with
// `format`, then those of domain::validate_workflow against the actions of
// `lookup` and the files of `source`, without repeats, sorted by position.
// The one validation of ryaxd's ValidateWorkflow and PushWorkflow and of
// `ryax workflow validate --offline`.
WorkflowValidation check_workflow_source(WorkflowFormat& format,
                                         const WorkflowSource& source,
                                         const domain::ActionLookup& lookup);

} // namespace ryax::app
