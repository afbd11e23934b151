#pragma once

#include "core/domain/catalogue.hpp"
#include "core/domain/workflow.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ryax::domain {

// The action catalogue as workflow validation sees it.
class ActionLookup
{
public:
  virtual ~ActionLookup() = default;

  // Version `version` of action `id`. With version "", the latest built
  // version, or when none is built the latest version whatever its state
  // (so that validation can say it is not built). nullopt when the id, or
  // that version of it, is not in the catalogue.
  virtual std::optional<ActionVersion> find(
    const std::string& id,
    const std::string& version) const = 0;

  // The versions of action `id` in catalogue order; empty for an unknown id.
  virtual std::vector<std::string> versions(const std::string& id) const = 0;

  // Every action id of the catalogue, for near-miss suggestions.
  virtual std::vector<std::string> ids() const = 0;
};

// What a path names on disk.
enum class FileKind
{
  none,
  file,
  directory
};

// What validation needs from the disk: the kind of `relative_path`,
// relative to the workflow file's directory.
using FileProbe = std::function<FileKind(const std::string& relative_path)>;

// Every problem of `workflow` that needs the catalogue or the disk, each
// with `workflow.source.file`, the line of the culprit and its key path:
// the trigger is a Source (a built-in trigger or a catalogued one) and every
// action a Processor or a Publisher; each `from` exists at the given version
// and is built; references name existing outputs of the right type; static
// values fit their input; enum values are allowed; every required input is
// bound; no unknown input; static files exist; dynamic outputs only where
// the trigger allows them; results name existing outputs. Also runs
// check_workflow_graph. Empty when the workflow can be pushed.
std::vector<Diagnostic> validate_workflow(const WorkflowDefinition& workflow,
                                          const ActionLookup& lookup,
                                          const FileProbe& files);

// Whether an output of type `from` may feed an input of type `to`: the same
// type; integer into float; string and longstring into each other; enum
// into string or longstring; string or longstring into password.
bool can_feed(IoType from, IoType to);

// Whether an output of type `type` may appear inside an interpolated string:
// string, longstring, enum, integer, float and boolean.
bool can_interpolate(IoType type);

// Whether an input of type `type` accepts an interpolated string: string,
// longstring and password.
bool accepts_interpolation(IoType type);

} // namespace ryax::domain
