#include "core/infrastructure/yaml/action_metadata_parser.hpp"

#include "core/domain/path.hpp"
#include "core/domain/suggest.hpp"
#include "core/infrastructure/yaml/action_metadata_parser_impl.hpp"
#include "core/infrastructure/yaml/yaml_support.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <iterator>
#include <span>

namespace ryax::infra::yaml::detail {

namespace {

using domain::ActionKind;
using domain::ActionType;

constexpr std::string_view k_api_version = "ryax.tech/v2.0";
constexpr int k_max_logo_pixels = 250;

constexpr std::string_view k_top_keys[] = { "apiVersion", "kind", "spec" };
constexpr std::string_view k_spec_keys[] = {
  "id",      "human_name",      "type",         "version",   "description",
  "logo",    "categories",      "dependencies", "resources", "inputs",
  "outputs", "dynamic_outputs", "addons",       "options"
};

// Ryax v1 kinds and the v2 kind that replaces each.
constexpr std::pair<std::string_view, std::string_view> k_v1_kinds[] = {
  { "Functions", "Processor" },
  { "Gateways", "Source" },
  { "Publishers", "Publisher" }
};

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

} // namespace

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

void
MetadataParser::report_at_start(std::string field, std::string message)
{
  YAML::Mark start;
  start.line = 0;
  start.column = 0;
  report(start, std::move(field), std::move(message));
}

void
MetadataParser::check_length(const Entry& entry,
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
MetadataParser::read_string_list(const Entry& entry,
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
MetadataParser::run(std::string_view text)
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
MetadataParser::parse_top(const YAML::Node& root)
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
MetadataParser::parse_spec(const Entry& spec_entry)
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
  } else if (auto name = read_text(*entry, "spec.human_name", TextKind::name)) {
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
      read_text(*entry, "spec.description", TextKind::free_text).value_or("");
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
MetadataParser::parse_resources(const Entry& entry)
{
  m_metadata.resources = read_resources(entry, "spec.resources");
}

std::string
MetadataParser::read_free_form(const Entry& entry, const std::string& field)
{
  if (!expect_mapping(entry, field)) {
    return "{}";
  }
  return to_json(entry.value).dump();
}

void
MetadataParser::check_options(const Entry& entry)
{
  // A missing key of a const node is an invalid node, whose IsMap() throws:
  // test IsDefined() first.
  if (!entry.value.IsMap()) {
    return;
  }
  const auto python = entry.value["python"];
  if (!python.IsDefined() || !python.IsMap()) {
    return;
  }
  const auto version = python["version"];
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
MetadataParser::check_code_file()
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
MetadataParser::check_logo(const Entry& entry)
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

} // namespace ryax::infra::yaml::detail

namespace ryax::infra::yaml {

ParsedActionMetadata
parse_action_metadata(std::string_view text,
                      const std::string& display_path,
                      const ActionFileReader& files,
                      const YamlLimits& limits)
{
  if (auto problem = check_yaml_limits(text, limits)) {
    DiagnosticCollector out(display_path);
    out.report(problem->mark, "", std::move(problem->message));
    ParsedActionMetadata refused;
    refused.diagnostics = out.take_sorted();
    return refused;
  }
  return detail::MetadataParser(display_path, files).run(text);
}

} // namespace ryax::infra::yaml
