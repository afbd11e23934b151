#pragma once

#include "core/application/ports/action_metadata_parser.hpp"
#include "core/infrastructure/yaml/action_metadata_parser.hpp"

namespace ryax::infra::yaml {

// The ActionMetadataParser port over parse_action_metadata (yaml-cpp).
class YamlActionMetadataParser : public app::ActionMetadataParser
{
public:
  explicit YamlActionMetadataParser(YamlLimits limits = {})
    : m_limits(limits)
  {
  }

  domain::ParsedActionMetadata
  parse(std::string_view text, const std::string& display_path,
        const domain::ActionFileReader& files) override
  {
    return parse_action_metadata(text, display_path, files, m_limits);
  }

private:
  YamlLimits m_limits;
};

} // namespace ryax::infra::yaml
