// The inputs and outputs of ryax_metadata.yaml: names, types, enums,
// defaults.

#include "core/infrastructure/yaml/action_metadata_parser_impl.hpp"

#include <algorithm>
#include <map>

namespace ryax::infra::yaml::detail {

namespace {

using domain::IoType;

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

} // namespace

std::vector<domain::IoSpec>
MetadataParser::parse_ios(const Entry& entry,
                          const std::string& field,
                          bool inputs)
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
MetadataParser::parse_io(const YAML::Node& node,
                         const std::string& field,
                         bool input)
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
      read_text(*entry, field + ".human_name", TextKind::name).value_or("");
    check_length(*entry, field + ".human_name", io.human_name, 0, 128);
  }
  if (const auto* entry = find("help")) {
    io.help = read_text(*entry, field + ".help", TextKind::free_text).value_or("");
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
MetadataParser::parse_default_value(const Entry& entry,
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

} // namespace ryax::infra::yaml::detail
