#pragma once

// Private to action_metadata_parser*.cpp: the parser's state, shared by the
// files that split it by responsibility (document, spec and files; inputs
// and outputs).

#include "core/infrastructure/yaml/action_metadata_parser.hpp"
#include "core/infrastructure/yaml/yaml_support.hpp"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::yaml::detail {

// `values` quoted and joined: "a", "b" or "c".
std::string join_quoted(std::span<const std::string_view> values);

// The spelling (domain::to_string) of each of `values`, in order.
template<typename Enum, std::size_t N>
std::vector<std::string_view> spellings(const Enum (&values)[N]);

// "unknown <what> "x" (did you mean "y"?)" or "... : expected a, b or c".
std::string unknown_value_message(std::string_view what,
                                  std::string_view value,
                                  std::span<const std::string_view> accepted);

// Reads one ryax_metadata.yaml; reports go through the shared collector.
class MetadataParser : private DiagnosticCollector
{
public:
  // `display_path` names the file in diagnostics; `files` reads the other
  // files of the action directory (the code file, the logo).
  MetadataParser(const std::string& display_path,
                 const ActionFileReader& files)
    : DiagnosticCollector(display_path)
    , m_files(files)
  {
  }

  // Parse `text`; call once.
  ParsedActionMetadata run(std::string_view text);

private:
  // --- action_metadata_parser.cpp: the document, spec, options, files ---

  // Report `message` about `field` at the start of the file.
  void report_at_start(std::string field, std::string message);

  // Report `text` of `field` when it has fewer than `min` or more than `max`
  // characters (UTF-8 code points).
  void check_length(const Entry& entry,
                    const std::string& field,
                    const std::string& text,
                    std::size_t min,
                    std::size_t max);
  // The strings of the list `field` (null: none), each `min_length` to
  // `max_length` characters, at most `max_count` of them.
  std::vector<std::string> read_string_list(const Entry& entry,
                                            const std::string& field,
                                            std::size_t max_count,
                                            std::size_t min_length,
                                            std::size_t max_length);

  // Read apiVersion, kind and spec of the root node.
  void parse_top(const YAML::Node& root);
  // Read the spec mapping into m_metadata.
  void parse_spec(const Entry& spec_entry);
  // Read spec.resources.
  void parse_resources(const Entry& entry);

  // --- action_metadata_parser_io.cpp: spec.inputs and spec.outputs ---

  // Read the list `field` of inputs (`inputs`) or outputs.
  std::vector<domain::IoSpec> parse_ios(const Entry& entry,
                                        const std::string& field,
                                        bool inputs);
  // Read one input or output; nullopt when it is not a mapping.
  std::optional<domain::IoSpec> parse_io(const YAML::Node& node,
                                         const std::string& field,
                                         bool input);
  // Check `default_value` against the type of `io` and set it.
  void parse_default_value(const Entry& entry,
                           const std::string& field,
                           domain::IoSpec& io);

  // --- action_metadata_parser.cpp, continued ---

  // The mapping `field` as compact JSON ("{}" when it is not a mapping).
  std::string read_free_form(const Entry& entry, const std::string& field);
  // Check spec.options (python.version is "major.minor").
  void check_options(const Entry& entry);
  // Report a missing code file (ryax_handler.py...) for the kind and type.
  void check_code_file();
  // Check spec.logo: a relative path inside the action directory to a png
  // or jpg of at most 250x250 pixels.
  void check_logo(const Entry& entry);

  const ActionFileReader& m_files;
  domain::ActionMetadata m_metadata;
  bool m_have_identity = false;
  std::optional<domain::ActionKind> m_kind;
  std::optional<domain::ActionType> m_type;
  std::optional<Entry> m_type_entry;
};

// --- Inline implementations ---

template<typename Enum, std::size_t N>
std::vector<std::string_view>
spellings(const Enum (&values)[N])
{
  std::vector<std::string_view> names;
  for (const auto value : values) {
    names.push_back(domain::to_string(value));
  }
  return names;
}

} // namespace ryax::infra::yaml::detail
