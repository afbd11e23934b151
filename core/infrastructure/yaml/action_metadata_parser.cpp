#include "core/infrastructure/yaml/action_metadata_parser.hpp"

#include "core/domain/path.hpp"
#include "core/domain/suggest.hpp"
#include "core/infrastructure/yaml/yaml_support.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <span>

namespace ryax::infra::yaml {

namespace {

using domain::ActionKind;
using domain::ActionType;
using domain::IoType;

constexpr std::string_view k_api_version = "ryax.tech/v2.0";
constexpr int k_max_logo_pixels = 250;

constexpr std::string_view k_top_keys[] = { "apiVersion", "kind", "spec" };
constexpr std::string_view k_spec_keys[] = {
  "id",      "human_name",      "type",         "version",   "description",
  "logo",    "categories",      "dependencies", "resources", "inputs",
  "outputs", "dynamic_outputs", "addons",       "options"
};
constexpr std::string_view k_input_keys[] = { "name",         "human_name",
                                              "help",         "type",
                                              "optional",     "enum_values",
                                              "default_value" };
constexpr std::string_view k_output_keys[] = { "name",     "human_name",
                                               "help",     "type",
                                               "optional", "enum_values" };
constexpr std::string_view k_io_required_keys[] = { "name",
                                                    "human_name",
                                                    "help",
                                                    "type" };

// Ryax v1 kinds and the v2 kind that replaces each.
constexpr std::pair<std::string_view, std::string_view> k_v1_kinds[] = {
  { "Functions", "Processor" },
  { "Gateways", "Source" },
  { "Publishers", "Publisher" }
};

std::string
join_quoted(std::span<const std::string_view> values)
{
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      text += i + 1 == values.size() ? " or " : ", ";
    }
    text += quote(values[i]);
  }
  return text;
}

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

// "unknown <what> "x" (did you mean "y"?)" or "... : expected a, b or c".
std::string
unknown_value_message(std::string_view what,
                      std::string_view value,
                      std::span<const std::string_view> accepted)
{
  std::string message = "unknown " + std::string(what) + " " + quote(value);
  if (auto hint = domain::did_you_mean(value, accepted); !hint.empty()) {
    return message + hint;
  }
  return message + ": expected " + join_quoted(accepted);
}

// Length in characters (UTF-8 code points), not bytes.
std::size_t
char_count(std::string_view text)
{
  return static_cast<std::size_t>(
    std::count_if(text.begin(), text.end(), [](char c) {
      return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

nlohmann::json
to_json(const YAML::Node& node)
{
  if (node.IsMap()) {
    auto object = nlohmann::json::object();
    for (const auto& entry : node) {
      object[entry.first.Scalar()] = to_json(entry.second);
    }
    return object;
  }
  if (node.IsSequence()) {
    auto array = nlohmann::json::array();
    for (const auto& item : node) {
      array.push_back(to_json(item));
    }
    return array;
  }
  const auto value = resolve_scalar(node);
  if (!value) {
    return nullptr;
  }
  return std::visit([](const auto& v) { return nlohmann::json(v); }, *value);
}

// Reads one ryax_metadata.yaml; reports go through the shared collector.
class Parser : private DiagnosticCollector
{
public:
  Parser(const std::string& display_path, const ActionFileReader& files)
    : DiagnosticCollector(display_path)
    , m_files(files)
  {
  }

  ParsedActionMetadata run(std::string_view text);

private:
  void report_at_start(std::string field, std::string message);

  void check_length(const Entry& entry,
                    const std::string& field,
                    const std::string& text,
                    std::size_t min,
                    std::size_t max);
  std::vector<std::string> read_string_list(const Entry& entry,
                                            const std::string& field,
                                            std::size_t max_count,
                                            std::size_t min_length,
                                            std::size_t max_length);

  void parse_top(const YAML::Node& root);
  void parse_spec(const Entry& spec_entry);
  void parse_resources(const Entry& entry);
  std::vector<domain::IoSpec> parse_ios(const Entry& entry,
                                        const std::string& field,
                                        bool inputs);
  std::optional<domain::IoSpec> parse_io(const YAML::Node& node,
                                         const std::string& field,
                                         bool input);
  void parse_default_value(const Entry& entry,
                           const std::string& field,
                           domain::IoSpec& io);
  std::string read_free_form(const Entry& entry, const std::string& field);
  void check_options(const Entry& entry);
  void check_code_file();
  void check_logo(const Entry& entry);

  const ActionFileReader& m_files;
  domain::ActionMetadata m_metadata;
  bool m_have_identity = false;
  std::optional<ActionKind> m_kind;
  std::optional<ActionType> m_type;
  std::optional<Entry> m_type_entry;
};

void
Parser::report_at_start(std::string field, std::string message)
{
  YAML::Mark start;
  start.line = 0;
  start.column = 0;
  report(start, std::move(field), std::move(message));
}

void
Parser::check_length(const Entry& entry,
                     const std::string& field,
                     const std::string& text,
                     std::size_t min,
                     std::size_t max)
{
  const auto length = char_count(text);
  const std::string expected =
    min == 0 ? "at most " + std::to_string(max)
             : std::to_string(min) + " to " + std::to_string(max);
  if (length < min) {
    report(where(entry),
           field,
           quote(text) + " is too short: expected " + expected + " characters");
  } else if (length > max) {
    report(where(entry),
           field,
           "too long (" + std::to_string(length) + " characters): expected " +
             expected + " characters");
  }
}

std::vector<std::string>
Parser::read_string_list(const Entry& entry,
                         const std::string& field,
                         std::size_t max_count,
                         std::size_t min_length,
                         std::size_t max_length)
{
  std::vector<std::string> values;
  if (entry.value.IsNull()) {
    return values;
  }
  if (!entry.value.IsSequence()) {
    report(where(entry),
           field,
           "expected a list of strings, got " + describe(entry.value));
    return values;
  }
  if (entry.value.size() > max_count) {
    report(entry.key.Mark(),
           field,
           "too many entries (" + std::to_string(entry.value.size()) +
             "): expected at most " + std::to_string(max_count));
  }
  for (std::size_t i = 0; i < entry.value.size(); ++i) {
    const Entry item{ entry.value[i], entry.value[i] };
    const std::string item_field = field + "[" + std::to_string(i) + "]";
    if (item.value.IsNull()) {
      report(entry.key.Mark(), item_field, "expected a string, got nothing");
      continue;
    }
    if (auto text = read_string(item, item_field)) {
      check_length(item, item_field, *text, min_length, max_length);
      values.push_back(std::move(*text));
    }
  }
  return values;
}

ParsedActionMetadata
Parser::run(std::string_view text)
{
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    parse_top(root);
  } catch (const YAML::Exception& e) {
    // Syntax errors, and anything else yaml-cpp throws, with its position.
    report(e.mark,
           "",
           "invalid YAML: " + (e.msg.empty() ? std::string(e.what()) : e.msg));
  }
  ParsedActionMetadata result;
  if (m_have_identity) {
    result.metadata = std::move(m_metadata);
  }
  result.diagnostics = take_sorted();
  return result;
}

void
Parser::parse_top(const YAML::Node& root)
{
  if (!root.IsDefined() || root.IsNull()) {
    report(YAML::Mark::null_mark(),
           "",
           "the file is empty: expected apiVersion, kind and spec");
    return;
  }
  if (!root.IsMap()) {
    report(root.Mark(),
           "",
           "expected a mapping with apiVersion, kind and spec, got " +
             describe(root));
    return;
  }
  auto top = entries(root, "", k_top_keys);

  if (const auto it = top.find("apiVersion"); it == top.end()) {
    report_at_start("apiVersion",
                    "missing required key \"apiVersion\" (expected " +
                      quote(k_api_version) + ")");
  } else if (const auto version = read_string(it->second, "apiVersion")) {
    if (version->starts_with("ryax.tech/v1")) {
      report(where(it->second),
             "apiVersion",
             "apiVersion " + quote(*version) +
               " is the Ryax v1 format: use apiVersion " +
               quote(k_api_version) +
               " with kind \"Processor\", \"Source\" or \"Publisher\" and move "
               "the fields of spec.detail into spec");
    } else if (*version != k_api_version) {
      report(where(it->second),
             "apiVersion",
             "unsupported apiVersion " + quote(*version) + ": expected " +
               quote(k_api_version));
    }
  }

  if (const auto it = top.find("kind"); it == top.end()) {
    report_at_start("kind",
                    "missing required key \"kind\" (expected \"Processor\", "
                    "\"Source\" or \"Publisher\")");
  } else if (const auto kind = read_string(it->second, "kind")) {
    m_kind = domain::parse_action_kind(*kind);
    const auto v1 =
      std::find_if(std::begin(k_v1_kinds),
                   std::end(k_v1_kinds),
                   [&](const auto& pair) { return pair.first == *kind; });
    if (m_kind) {
      m_metadata.kind = *m_kind;
    } else if (v1 != std::end(k_v1_kinds)) {
      report(where(it->second),
             "kind",
             "kind " + quote(*kind) + " is a Ryax v1 kind: use apiVersion " +
               quote(k_api_version) + " with kind " + quote(v1->second));
    } else {
      const auto kinds = spellings(domain::k_all_action_kinds);
      report(
        where(it->second), "kind", unknown_value_message("kind", *kind, kinds));
    }
  }

  if (const auto it = top.find("spec"); it == top.end()) {
    report_at_start("spec", "missing required key \"spec\"");
  } else if (!it->second.value.IsMap()) {
    report(where(it->second),
           "spec",
           "expected a mapping, got " + describe(it->second.value));
  } else {
    parse_spec(it->second);
  }
}

void
Parser::parse_spec(const Entry& spec_entry)
{
  auto spec =
    entries(spec_entry.value,
            "spec",
            k_spec_keys,
            [](const std::string& name) -> std::optional<std::string> {
              if (name == "detail") {
                return "\"detail\" is the Ryax v1 layout: move its fields "
                       "(inputs, outputs...) directly into spec and use "
                       "apiVersion \"ryax.tech/v2.0\"";
              }
              return std::nullopt;
            });
  const auto missing = [&](std::string_view key) {
    report(spec_entry.key.Mark(),
           "spec." + std::string(key),
           "missing required key " + quote(key));
  };
  const auto find = [&](const std::string& key) -> const Entry* {
    const auto it = spec.find(key);
    return it == spec.end() ? nullptr : &it->second;
  };

  if (const auto* entry = find("id"); !entry) {
    missing("id");
  } else if (auto id = read_string(*entry, "spec.id")) {
    if (!domain::is_valid_action_id(*id)) {
      report(where(*entry),
             "spec.id",
             "invalid id " + quote(*id) +
               ": expected 3 to 24 letters, digits or \"-\"");
    }
    m_metadata.id = std::move(*id);
    m_have_identity = true;
  }
  if (const auto* entry = find("human_name"); !entry) {
    missing("human_name");
  } else if (auto name = read_string(*entry, "spec.human_name")) {
    check_length(*entry, "spec.human_name", *name, 3, 128);
    m_metadata.human_name = std::move(*name);
  }
  if (const auto* entry = find("type"); !entry) {
    missing("type");
  } else if (const auto type = read_string(*entry, "spec.type")) {
    m_type = domain::parse_action_type(*type);
    m_type_entry = *entry;
    if (m_type) {
      m_metadata.type = *m_type;
    } else {
      const auto types = spellings(domain::k_all_action_types);
      report(where(*entry),
             "spec.type",
             unknown_value_message("type", *type, types));
    }
  }
  if (const auto* entry = find("version")) {
    if (auto version = read_string(*entry, "spec.version")) {
      check_length(*entry, "spec.version", *version, 3, 128);
      m_metadata.version = std::move(*version);
      m_have_identity = true;
    }
  }
  if (const auto* entry = find("description")) {
    m_metadata.description =
      read_string(*entry, "spec.description", true).value_or("");
  }
  if (const auto* entry = find("logo")) {
    check_logo(*entry);
  }
  if (const auto* entry = find("categories")) {
    m_metadata.categories =
      read_string_list(*entry, "spec.categories", 32, 1, 32);
  }
  if (const auto* entry = find("dependencies")) {
    m_metadata.dependencies =
      read_string_list(*entry, "spec.dependencies", 64, 0, 1024);
  }
  if (const auto* entry = find("resources")) {
    parse_resources(*entry);
  }
  if (const auto* entry = find("inputs")) {
    m_metadata.inputs = parse_ios(*entry, "spec.inputs", true);
  }
  if (const auto* entry = find("outputs")) {
    m_metadata.outputs = parse_ios(*entry, "spec.outputs", false);
    if (entry->value.IsSequence() && entry->value.size() > 64) {
      report(entry->key.Mark(),
             "spec.outputs",
             "too many outputs (" + std::to_string(entry->value.size()) +
               "): expected at most 64");
    }
  }
  if (const auto* entry = find("dynamic_outputs")) {
    const auto dynamic = read_bool(*entry, "spec.dynamic_outputs");
    if (dynamic && *dynamic && m_kind && *m_kind != ActionKind::source) {
      report(where(*entry),
             "spec.dynamic_outputs",
             "only Source actions may have dynamic outputs, this one is a " +
               std::string(domain::to_string(*m_kind)));
    }
    m_metadata.dynamic_outputs = dynamic.value_or(false);
  }
  if (const auto* entry = find("addons")) {
    m_metadata.addons_json = read_free_form(*entry, "spec.addons");
  }
  if (const auto* entry = find("options")) {
    m_metadata.options_json = read_free_form(*entry, "spec.options");
    check_options(*entry);
  }
  check_code_file();
}

void
Parser::parse_resources(const Entry& entry)
{
  m_metadata.resources = read_resources(entry, "spec.resources");
}

std::vector<domain::IoSpec>
Parser::parse_ios(const Entry& entry, const std::string& field, bool inputs)
{
  std::vector<domain::IoSpec> ios;
  if (entry.value.IsNull()) {
    return ios;
  }
  if (!entry.value.IsSequence()) {
    report(
      where(entry), field, "expected a list, got " + describe(entry.value));
    return ios;
  }
  std::map<std::string, int> lines_by_name;
  for (std::size_t i = 0; i < entry.value.size(); ++i) {
    const YAML::Node node = entry.value[i];
    const std::string item_field = field + "[" + std::to_string(i) + "]";
    auto io = parse_io(node, item_field, inputs);
    if (!io) {
      continue;
    }
    if (!io->name.empty()) {
      const auto name_node = node["name"];
      const int line = name_node.Mark().line + 1;
      const auto [it, inserted] = lines_by_name.emplace(io->name, line);
      if (!inserted) {
        report(name_node.Mark(),
               item_field + ".name",
               std::string("duplicate ") + (inputs ? "input" : "output") +
                 " name " + quote(io->name) + " (first declared at line " +
                 std::to_string(it->second) + ")");
      }
    }
    ios.push_back(std::move(*io));
  }
  return ios;
}

std::optional<domain::IoSpec>
Parser::parse_io(const YAML::Node& node, const std::string& field, bool input)
{
  if (!node.IsMap()) {
    report(node.Mark(),
           field,
           "expected a mapping with name, human_name, help and type, got " +
             describe(node));
    return std::nullopt;
  }
  const auto known = input ? std::span<const std::string_view>(k_input_keys)
                           : std::span<const std::string_view>(k_output_keys);
  const auto fields =
    entries(node,
            field,
            known,
            [&](const std::string& name) -> std::optional<std::string> {
              if (!input && name == "default_value") {
                return "unknown key \"default_value\" (only inputs have a "
                       "default value)";
              }
              return std::nullopt;
            });
  const auto find = [&](std::string_view key) -> const Entry* {
    const auto it = fields.find(std::string(key));
    return it == fields.end() ? nullptr : &it->second;
  };
  for (const auto key : k_io_required_keys) {
    if (!find(key)) {
      report(node.Mark(),
             field + "." + std::string(key),
             "missing required key " + quote(key));
    }
  }

  domain::IoSpec io;
  if (const auto* entry = find("name")) {
    if (auto name = read_string(*entry, field + ".name")) {
      if (!domain::is_valid_io_name(*name)) {
        report(where(*entry),
               field + ".name",
               "invalid name " + quote(*name) +
                 ": expected 1 to 64 letters, digits or "
                 "\"_\", not starting with a digit");
      }
      io.name = std::move(*name);
    }
  }
  if (const auto* entry = find("human_name")) {
    io.human_name =
      read_string(*entry, field + ".human_name", true).value_or("");
    check_length(*entry, field + ".human_name", io.human_name, 0, 128);
  }
  if (const auto* entry = find("help")) {
    io.help = read_string(*entry, field + ".help", true).value_or("");
    check_length(*entry, field + ".help", io.help, 0, 10'000);
  }
  std::optional<IoType> type;
  if (const auto* entry = find("type")) {
    if (const auto text = read_string(*entry, field + ".type")) {
      type = domain::parse_io_type(*text);
      if (!type) {
        const auto types = spellings(domain::k_all_io_types);
        report(where(*entry),
               field + ".type",
               unknown_value_message("type", *text, types));
      }
    }
  }
  io.type = type.value_or(IoType::string);
  if (const auto* entry = find("optional")) {
    io.optional = read_bool(*entry, field + ".optional").value_or(false);
  }
  const auto* enum_entry = find("enum_values");
  if (enum_entry) {
    io.enum_values =
      read_string_list(*enum_entry, field + ".enum_values", 64, 1, 1024);
    if (type && *type != IoType::enum_) {
      report(enum_entry->key.Mark(),
             field + ".enum_values",
             "enum_values is only allowed with type \"enum\", not " +
               quote(domain::to_string(*type)));
    }
  }
  if (type == IoType::enum_ && io.enum_values.empty()) {
    const auto mark =
      enum_entry ? enum_entry->key.Mark() : where(*find("type"));
    report(mark,
           field + ".enum_values",
           "type \"enum\" needs a non-empty enum_values list");
  }
  if (const auto* entry = find("default_value"); entry && type) {
    parse_default_value(*entry, field + ".default_value", io);
  }
  return io;
}

void
Parser::parse_default_value(const Entry& entry,
                            const std::string& field,
                            domain::IoSpec& io)
{
  if (entry.value.IsNull()) {
    return; // `default_value: null` is no default
  }
  const auto type_name = quote(domain::to_string(io.type));
  const auto value = resolve_scalar(entry.value);
  if (!value) {
    report(where(entry),
           field,
           "expected a string, number or boolean, got " +
             describe(entry.value));
    return;
  }
  const std::string& text = entry.value.Scalar();
  const auto mismatch = [&](std::string_view expected) {
    report(where(entry),
           field,
           "default value " + quote(text) + " does not fit type " + type_name +
             ": expected " + std::string(expected));
  };
  switch (io.type) {
    case IoType::integer:
      if (std::holds_alternative<std::int64_t>(*value)) {
        io.default_value = *value;
      } else {
        mismatch("an integer");
      }
      return;
    case IoType::float_:
      if (const auto number = as_number(*value)) {
        io.default_value = *number;
      } else {
        mismatch("a number");
      }
      return;
    case IoType::boolean:
      if (std::holds_alternative<bool>(*value)) {
        io.default_value = *value;
      } else {
        mismatch("true or false");
      }
      return;
    case IoType::enum_:
      if (std::find(io.enum_values.begin(), io.enum_values.end(), text) ==
          io.enum_values.end()) {
        std::vector<std::string_view> values(io.enum_values.begin(),
                                             io.enum_values.end());
        mismatch("one of the enum_values (" + join_quoted(values) + ")");
      } else {
        io.default_value = text;
      }
      return;
    case IoType::file:
    case IoType::directory:
      report(where(entry),
             field,
             "an input of type " + type_name + " cannot have a default value");
      return;
    case IoType::string:
    case IoType::longstring:
    case IoType::password:
    case IoType::bytes:
    case IoType::table:
      io.default_value = text;
      return;
  }
}

std::string
Parser::read_free_form(const Entry& entry, const std::string& field)
{
  if (!expect_mapping(entry, field)) {
    return "{}";
  }
  return to_json(entry.value).dump();
}

void
Parser::check_options(const Entry& entry)
{
  if (!entry.value.IsMap() || !entry.value["python"].IsMap()) {
    return;
  }
  const auto version = entry.value["python"]["version"];
  if (!version.IsDefined()) {
    return;
  }
  const std::string& text =
    version.IsScalar() ? version.Scalar() : std::string();
  const auto dot = text.find('.');
  const auto all_digits = [](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
  };
  if (dot == std::string::npos ||
      !all_digits(std::string_view(text).substr(0, dot)) ||
      !all_digits(std::string_view(text).substr(dot + 1))) {
    report(version.Mark(),
           "spec.options.python.version",
           "invalid python version " + describe(version) +
             ": expected \"major.minor\", e.g. \"3.11\"");
  }
}

void
Parser::check_code_file()
{
  if (!m_kind || !m_type || !m_type_entry) {
    return;
  }
  const auto file = domain::required_code_file(*m_kind, *m_type);
  if (file && !m_files(std::string(*file))) {
    report(where(*m_type_entry),
           "spec.type",
           "a " + std::string(domain::to_string(*m_type)) + " " +
             std::string(domain::to_string(*m_kind)) + " needs " +
             quote(*file) + " in the action directory");
  }
}

void
Parser::check_logo(const Entry& entry)
{
  const auto path = read_string(entry, "spec.logo");
  if (!path) {
    return;
  }
  m_metadata.logo = *path;
  const auto mark = where(entry);
  if (path->empty()) {
    report(
      mark, "spec.logo", "expected a path to a png or jpg file, got nothing");
    return;
  }
  if (!domain::is_safe_relative_path(*path)) {
    report(mark,
           "spec.logo",
           "logo " + quote(*path) +
             " must be a relative path inside the action directory");
    return;
  }
  const auto content = m_files(*path);
  if (!content) {
    report(mark,
           "spec.logo",
           "logo file " + quote(*path) +
             " does not exist in the action directory");
    return;
  }
  const auto image = domain::sniff_image(*content);
  if (!image) {
    report(
      mark, "spec.logo", "logo " + quote(*path) + " is not a png or jpg image");
    return;
  }
  if (image->width && image->height &&
      (*image->width > k_max_logo_pixels ||
       *image->height > k_max_logo_pixels)) {
    report(mark,
           "spec.logo",
           "logo " + quote(*path) + " is " + std::to_string(*image->width) +
             "x" + std::to_string(*image->height) +
             " pixels: expected at most 250x250");
  }
}

} // namespace

ParsedActionMetadata
parse_action_metadata(std::string_view text,
                      const std::string& display_path,
                      const ActionFileReader& files)
{
  return Parser(display_path, files).run(text);
}

} // namespace ryax::infra::yaml
