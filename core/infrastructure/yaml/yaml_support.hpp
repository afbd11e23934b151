#pragma once

#include "core/domain/action.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::infra::yaml {

// `text` between double quotes, as messages show user values.
std::string quote(std::string_view text);

// How a node reads in a message: "a mapping", "a list", "nothing" or the
// quoted scalar.
std::string describe(const YAML::Node& node);

// The typed value of a scalar under the YAML 1.2 core schema: quoted scalars
// are strings; plain ones may be booleans (true/True/TRUE, false...),
// integers (64-bit) or floats. nullopt for null and for non-scalars.
std::optional<domain::Scalar> resolve_scalar(const YAML::Node& node);

// The value of an integer or float Scalar as a double, or nullopt.
std::optional<double> as_number(const domain::Scalar& value);

// One key: value pair of a mapping.
struct Entry
{
  YAML::Node key;
  YAML::Node value;
};

// Where to report a problem with an entry's value: the value, or the key
// when the value is null (yaml-cpp marks nulls at the next token).
YAML::Mark where(const Entry& entry);

// Collects the diagnostics of one file and reads typed values out of
// yaml-cpp nodes, reporting every problem instead of stopping at the first.
class DiagnosticCollector
{
public:
  // `file` is the display path put in every diagnostic.
  explicit DiagnosticCollector(std::string file);

  // Record a problem at `mark` (0-based in yaml-cpp, 1-based in the
  // diagnostic; a negative line becomes "no position").
  void report(const YAML::Mark& mark, std::string field, std::string message);

  // A message for a key that deserves more than "unknown key", or nullopt.
  using SpecialKey =
    std::function<std::optional<std::string>(const std::string& key)>;

  // The entries of mapping `map` by key, reporting non-scalar keys, unknown
  // keys (with a near miss among `known`) and duplicates. `path` prefixes
  // the field of each report ("spec.trigger").
  std::map<std::string, Entry> entries(const YAML::Node& map,
                                       const std::string& path,
                                       std::span<const std::string_view> known,
                                       const SpecialKey& special = {});

  // The scalar text of the entry's value; reports and returns nullopt for a
  // mapping, a list or (unless `null_is_empty`) null.
  std::optional<std::string> read_string(const Entry& entry,
                                         const std::string& field,
                                         bool null_is_empty = false);

  // What control characters a text may hold: a name none, free text
  // (descriptions, help) newlines and tabs.
  enum class TextKind
  {
    name,
    free_text
  };

  // read_string(entry, field, true), reported and nullopt when the text
  // holds a NUL byte or another control character (C0, DEL or C1: U+0080
  // to U+009F) that `kind` does not allow.
  std::optional<std::string> read_text(const Entry& entry,
                                       const std::string& field,
                                       TextKind kind);

  // Whether the entry's value is a mapping to read: false for null (an
  // absent section) and, with a report, for anything else.
  bool expect_mapping(const Entry& entry, const std::string& field);

  // A boolean; reports anything else.
  std::optional<bool> read_bool(const Entry& entry, const std::string& field);

  // A `resources` mapping with the units of ryax_metadata.yaml: cpu (>= 0.1
  // cores), memory (bytes > 32 MiB, number or K/M/G/T string), time
  // (seconds > 0, number or s/m/h/d string), gpu (integer >= 1). Fields of
  // the reports are `field` + ".cpu"...
  domain::Resources read_resources(const Entry& entry,
                                   const std::string& field);

  // Every diagnostic so far, sorted by position (stable), leaving none.
  std::vector<domain::Diagnostic> take_sorted();

private:
  std::string m_file;
  std::vector<domain::Diagnostic> m_diagnostics;
};

} // namespace ryax::infra::yaml
