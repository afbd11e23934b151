#pragma once

#include "core/domain/error.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ryax::domain {

// What an action does in a workflow: transform data, trigger runs, or send
// data out of the platform.
enum class ActionKind
{
  processor,
  source,
  publisher
};

// The runtime an action's code needs.
enum class ActionType
{
  python3,
  python3_cuda,
  nodejs,
  csharp_dotnet6,
  internal
};

// The type of one action input or output.
enum class IoType
{
  string,
  longstring,
  password,
  integer,
  float_,
  boolean,
  enum_,
  file,
  directory,
  bytes,
  table,
};

// Every value of each enum, in declaration order, for messages and tests.
inline constexpr ActionKind k_all_action_kinds[] = { ActionKind::processor,
                                                     ActionKind::source,
                                                     ActionKind::publisher };
inline constexpr ActionType k_all_action_types[] = { ActionType::python3,
                                                     ActionType::python3_cuda,
                                                     ActionType::nodejs,
                                                     ActionType::csharp_dotnet6,
                                                     ActionType::internal };
inline constexpr IoType k_all_io_types[] = {
  IoType::string,    IoType::longstring, IoType::password, IoType::integer,
  IoType::float_,    IoType::boolean,    IoType::enum_,    IoType::file,
  IoType::directory, IoType::bytes,      IoType::table
};

// The Ryax spelling of a value: "Processor", "python3-cuda", "float", "enum".
std::string_view to_string(ActionKind kind);
std::string_view to_string(ActionType type);
std::string_view to_string(IoType type);

// The value spelled `text` exactly as Ryax does (case-sensitive), or nullopt.
std::optional<ActionKind> parse_action_kind(std::string_view text);
std::optional<ActionType> parse_action_type(std::string_view text);
std::optional<IoType> parse_io_type(std::string_view text);

// A default value of an input.
using Scalar = std::variant<bool, std::int64_t, double, std::string>;

// One input or output of an action.
struct IoSpec
{
  std::string name; // a valid identifier, 1 to 64 characters
  std::string human_name;
  std::string help;
  IoType type = IoType::string;
  bool optional = false;                // the value may be None
  std::vector<std::string> enum_values; // only for IoType::enum_
  std::optional<Scalar> default_value;  // inputs only
  // Outputs of an "httpapijson" trigger only: where the request carries the
  // value ("path", "query", "header", "cookie" or "body"; "" is "body").
  std::string origin;
};

// What one execution of an action may use, normalised.
struct Resources
{
  std::optional<double> cpu;                // cores, >= 0.1
  std::optional<std::int64_t> memory_bytes; // bytes, > 32 MiB
  std::optional<std::int64_t> time_seconds; // seconds, > 0
  std::optional<std::int64_t> gpu;          // number of GPUs, >= 1
};

// The content of a `ryax_metadata.yaml` (apiVersion ryax.tech/v2.0).
struct ActionMetadata
{
  std::string id;
  std::string human_name;
  std::string version; // as written; id + version name one action version
  std::string description;
  std::string logo; // path relative to the action directory, or empty
  ActionType type = ActionType::python3;
  ActionKind kind = ActionKind::processor;
  std::vector<std::string> categories;
  std::vector<std::string> dependencies; // Nix attribute names
  Resources resources;
  std::vector<IoSpec> inputs;
  std::vector<IoSpec> outputs;
  bool dynamic_outputs = false;   // Sources only: outputs declared per workflow
  std::string addons_json = "{}"; // free-form object, as JSON text
  std::string options_json = "{}"; // free-form object, as JSON text
};

// The code file, relative to the action directory, that an action of this
// kind and type must hold ("ryax_handler.py", "ryax_run.py",
// "ryax_handler.js"), or nullopt when it needs none (internal, csharp).
std::optional<std::string_view> required_code_file(ActionKind kind,
                                                   ActionType type);

// Whether `id` is a valid action id: 3 to 24 letters, digits and '-'.
bool is_valid_action_id(std::string_view id);

// Whether `name` is a valid IO name: [A-Za-z_][A-Za-z0-9_]*, 1 to 64
// characters.
bool is_valid_io_name(std::string_view name);

// A memory amount in bytes from "512M", "1.5G", "100K", "1T" (base 1024) or a
// plain number of bytes ("1000000"). invalid_argument for anything else,
// negative or overflowing values; the message names the accepted units.
Result<std::int64_t> parse_memory(std::string_view text);

// A duration in seconds from "30s", "10m", "2h", "1d" or a plain number of
// seconds; fractions are rounded up to the next second. invalid_argument
// for anything else, negative or overflowing values.
Result<std::int64_t> parse_duration_seconds(std::string_view text);

// The format and, when readable, the pixel size of an image file's bytes.
struct ImageInfo
{
  enum class Format
  {
    png,
    jpeg
  };
  Format format = Format::png;
  std::optional<int> width;
  std::optional<int> height;
};

// Recognise a PNG or JPEG by its content (not its name); nullopt for any
// other content.
std::optional<ImageInfo> sniff_image(std::string_view bytes);

// The Levenshtein distance between `a` and `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is a plausible typo of it (a
// distance of at most a third of its length, at least 1) or an abbreviation
// of it (3 characters or more), or nullopt.
std::optional<std::string_view> closest_match(
  std::string_view word,
  std::span<const std::string_view> candidates);

// One problem found in a file, at a position.
struct Diagnostic
{
  std::string file;
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string field; // path like "spec.inputs[2].default_value", or empty
  std::string message;
};

// "file:line:column: field: message"; without "field: " when the field is
// empty, without ":column" when it is 0 and without ":line:column" when the
// line is 0.
std::string format_diagnostic(const Diagnostic& diagnostic);

// What the parser needs from the action's directory: the content of a file
// relative to the action directory, or nullopt when it does not exist.
using ActionFileReader =
  std::function<std::optional<std::string>(const std::string& relative_path)>;

// The outcome of reading a `ryax_metadata.yaml`.
struct ParsedActionMetadata
{
  // Filled, best effort, whenever spec.id or spec.version could be read,
  // even when `diagnostics` is not empty, so callers can name an invalid
  // action.
  std::optional<domain::ActionMetadata> metadata;
  // Every problem found, sorted by position; empty for a valid action.
  std::vector<domain::Diagnostic> diagnostics;

  // Whether the action is valid.
  bool
  ok() const
  {
    return metadata.has_value() && diagnostics.empty();
  }
};

} // namespace ryax::domain
