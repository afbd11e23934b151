// libFuzzer target: ryax_metadata.yaml, as `ryax action lint`, `action test`
// and a repository scan read it (parse_action_metadata).

#include "core/infrastructure/yaml/action_metadata_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Every file the metadata names exists (the code file, the logo), so that
  // the parser goes on to the checks after a successful read.
  const ryax::domain::ActionFileReader files =
    [](const std::string& path) -> std::optional<std::string> {
    if (path.ends_with(".png")) {
      return std::string("\x89PNG\r\n\x1a\n", 8);
    }
    return std::string("def handle(inputs):\n    return {}\n");
  };
  const auto parsed =
    ryax::infra::yaml::parse_action_metadata(text, "ryax_metadata.yaml", files);
  // The CLI prints every diagnostic.
  for (const auto& diagnostic : parsed.diagnostics) {
    (void)ryax::domain::format_diagnostic(diagnostic);
  }
  return 0;
}
