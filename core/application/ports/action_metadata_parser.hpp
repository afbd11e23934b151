#pragma once

#include "core/domain/action.hpp"

#include <string>
#include <string_view>

namespace ryax::app {

// Reads and validates a ryax_metadata.yaml.
class ActionMetadataParser
{
public:
  virtual ~ActionMetadataParser() = default;

  // Parse `text`, shown as `display_path` in diagnostics; `files` reads the
  // other files of the action directory. Never fails: problems are
  // diagnostics of the result.
  virtual domain::ParsedActionMetadata
  parse(std::string_view text, const std::string& display_path,
        const domain::ActionFileReader& files) = 0;
};

} // namespace ryax::app
