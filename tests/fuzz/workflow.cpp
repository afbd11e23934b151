// libFuzzer target: workflow files (parse_workflow), as `ryax workflow
// push`, `lint` and a repository scan read them, and the export round trip
// write_workflow promises: a valid file written and parsed again is valid and
// writes the same bytes.

#include "core/infrastructure/yaml/workflow_parser.hpp"
#include "core/infrastructure/yaml/workflow_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  namespace yaml = ryax::infra::yaml;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = yaml::parse_workflow(text, "workflow.yaml");
  for (const auto& diagnostic : parsed.diagnostics) {
    (void)ryax::domain::format_diagnostic(diagnostic);
  }
  if (!parsed.ok()) {
    return 0;
  }
  const auto written = yaml::write_workflow(*parsed.workflow);
  const auto again = yaml::parse_workflow(written, "exported.yaml");
  if (!again.ok()) {
    std::fprintf(stderr, "the export of a valid workflow does not parse:\n%s\n",
                 written.c_str());
    for (const auto& diagnostic : again.diagnostics) {
      std::fprintf(stderr, "%s\n",
                   ryax::domain::format_diagnostic(diagnostic).c_str());
    }
    std::abort();
  }
  const auto rewritten = yaml::write_workflow(*again.workflow);
  if (rewritten != written) {
    std::fprintf(stderr, "the export is not stable:\n--- first\n%s\n--- second\n%s\n",
                 written.c_str(), rewritten.c_str());
    std::abort();
  }
  return 0;
}
