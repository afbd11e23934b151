#include "core/application/step_outcomes.hpp"

namespace ryax::app {

bool
has_file_outputs(const domain::StepOutcome& outcome)
{
  if (const auto* outputs = std::get_if<domain::Outputs>(&outcome)) {
    return has_files(*outputs);
  }
  if (const auto* fan_out = std::get_if<domain::FanOut>(&outcome)) {
    for (const auto& set : fan_out->sets) {
      if (has_files(set)) {
        return true;
      }
    }
  }
  return false;
}

Result<void>
ingest_file_outputs(RunStaging& staging,
                    const std::string& outputs_dir,
                    domain::StepOutcome& outcome,
                    std::vector<std::string>& held)
{
  const auto ingest = [&](domain::Values& values) -> Result<void> {
    RYAX_TRY_ASSIGN(values, staging.ingest_outputs(outputs_dir, values));
    for (const auto& [name, value] : values) {
      if (const auto* ref = std::get_if<domain::FileRef>(&value)) {
        held.push_back(ref->key);
      }
    }
    return {};
  };
  Result<void> ingested;
  if (auto* outputs = std::get_if<domain::Outputs>(&outcome)) {
    ingested = ingest(*outputs);
  } else if (auto* fan_out = std::get_if<domain::FanOut>(&outcome)) {
    for (auto& set : fan_out->sets) {
      if (ingested) {
        ingested = ingest(set);
      }
    }
  }
  staging.remove_outputs(outputs_dir);
  return ingested;
}

} // namespace ryax::app
