#pragma once

// Fixtures and checks shared by the action metadata parser tests.

#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/yaml/action_metadata_parser.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace ryax::test::metadata {

using namespace ryax::domain;
using ryax::infra::yaml::ActionFileReader;
using ryax::infra::yaml::parse_action_metadata;
using ryax::infra::yaml::ParsedActionMetadata;

inline const std::filesystem::path k_fixtures =
  std::filesystem::path(RYAX_SOURCE_DIR) / "tests/fixtures/actions";

inline std::optional<std::string>
slurp(const std::filesystem::path& path)
{
  auto content = ryax::infra::files::read_file(path);
  return content ? std::optional(std::move(*content)) : std::nullopt;
}

// Parse a valid fixture, reading the action's files from its directory.
inline ParsedActionMetadata
parse_valid(const std::string& name)
{
  const auto dir = k_fixtures / "valid" / name;
  const auto text = slurp(dir / "ryax_metadata.yaml");
  REQUIRE(text);
  return parse_action_metadata(
    *text, "ryax_metadata.yaml", [dir](const std::string& path) {
      return slurp(dir / path);
    });
}

// An in-memory action directory.
inline ActionFileReader
files(std::map<std::string, std::string> content)
{
  return [content = std::move(content)](
           const std::string& path) -> std::optional<std::string> {
    const auto it = content.find(path);
    if (it == content.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

// Every code file, so that invalid fixtures fail only for their own rule.
inline const ActionFileReader k_all_code_files = files({ { "ryax_handler.py", "" },
                                                  { "ryax_run.py", "" },
                                                  { "ryax_handler.js", "" } });

// Parse `invalid/<name>.yaml`.
inline ParsedActionMetadata
parse_invalid(const std::string& name,
              const ActionFileReader& reader = k_all_code_files)
{
  const auto text = slurp(k_fixtures / "invalid" / (name + ".yaml"));
  REQUIRE(text);
  return parse_action_metadata(*text, name + ".yaml", reader);
}

inline std::string
all_messages(const ParsedActionMetadata& result)
{
  std::string text;
  for (const auto& diagnostic : result.diagnostics) {
    text += format_diagnostic(diagnostic) + "\n";
  }
  return text;
}

// Check that parsing `invalid/<fixture>.yaml` gives exactly one diagnostic,
// on `field` at `line`:`column` (column 0: not checked), whose message
// contains `fragment`; return it.
inline Diagnostic
expect_error(const std::string& fixture,
             const std::string& field,
             int line,
             int column,
             const std::string& fragment,
             const ActionFileReader& reader = k_all_code_files)
{
  const auto result = parse_invalid(fixture, reader);
  INFO(all_messages(result));
  CHECK_FALSE(result.ok());
  REQUIRE(result.diagnostics.size() == 1);
  const auto& diagnostic = result.diagnostics.front();
  CHECK(diagnostic.file == fixture + ".yaml");
  CHECK(diagnostic.field == field);
  CHECK(diagnostic.line == line);
  if (column != 0) {
    CHECK(diagnostic.column == column);
  }
  CHECK(diagnostic.message.find(fragment) != std::string::npos);
  return diagnostic;
}

inline std::string
png_header(int width, int height)
{
  std::string bytes("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  for (const int value : { width, height }) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes += static_cast<char>((value >> shift) & 0xFF);
    }
  }
  return bytes + std::string(13, '\0');
}

} // namespace ryax::test::metadata
