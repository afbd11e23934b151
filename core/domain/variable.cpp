#include "core/domain/variable.hpp"

#include "core/domain/run_values.hpp"

#include <algorithm>
#include <charconv>

namespace ryax::domain {

namespace {

constexpr IoType k_variable_types[] = { IoType::string,  IoType::longstring,
                                        IoType::integer, IoType::float_,
                                        IoType::boolean, IoType::password,
                                        IoType::file };

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

bool
is_control(char c, bool multiline)
{
  const auto u = static_cast<unsigned char>(c);
  if (multiline && (c == '\n' || c == '\t' || c == '\r')) {
    return false;
  }
  return u < 0x20 || u == 0x7f;
}

} // namespace

std::optional<IoType>
parse_variable_type(std::string_view text)
{
  for (const auto type : k_variable_types) {
    if (to_string(type) == text) {
      return type;
    }
  }
  return std::nullopt;
}

std::string_view
variable_type_names()
{
  return "string, longstring, integer, float, boolean, password, file";
}

Result<void>
check_variable_name(std::string_view name)
{
  if (!is_valid_io_name(name)) {
    return fail(ErrorCode::invalid_argument,
                "invalid variable name " + quote(name) +
                  ": letters, digits and '_', not starting with a digit, at "
                  "most 64 characters (as \"{{ vars.NAME }}\" reads it)");
  }
  return {};
}

Result<void>
check_variable_description(std::string_view name, std::string_view description)
{
  if (description.size() > k_max_variable_description_bytes) {
    return fail(ErrorCode::invalid_argument,
                "variable " + quote(name) + ": the description is " +
                  std::to_string(description.size()) + " bytes long, at most " +
                  std::to_string(k_max_variable_description_bytes));
  }
  if (std::any_of(description.begin(), description.end(), [](char c) {
        return is_control(c, false);
      })) {
    return fail(ErrorCode::invalid_argument,
                "variable " + quote(name) +
                  ": the description must be one line without control "
                  "characters");
  }
  return {};
}

Result<Value>
parse_variable_value(std::string_view name, IoType type, std::string_view text)
{
  const auto where = "variable " + quote(name) + ": ";
  if (type == IoType::file) {
    return fail(ErrorCode::invalid_argument,
                where + "type \"file\" is not supported yet: store the file "
                        "in the workflow (\"@path\") or give it at run time "
                        "(ryax run --file)");
  }
  if (std::find(std::begin(k_variable_types),
                std::end(k_variable_types),
                type) == std::end(k_variable_types)) {
    return fail(ErrorCode::invalid_argument,
                where + "type " + quote(to_string(type)) +
                  " is not a variable type (" +
                  std::string(variable_type_names()) + ")");
  }
  const bool scalar = type == IoType::integer || type == IoType::float_ ||
                      type == IoType::boolean;
  const auto limit =
    scalar ? k_max_variable_scalar_bytes : k_max_variable_bytes;
  if (text.size() > limit) {
    return fail(ErrorCode::invalid_argument,
                where + "the value is " + std::to_string(text.size()) +
                  " bytes long; a " + std::string(to_string(type)) +
                  " variable holds at most " + std::to_string(limit));
  }
  const bool multiline = type == IoType::longstring;
  if (std::any_of(text.begin(), text.end(), [&](char c) {
        return is_control(c, multiline);
      })) {
    return fail(ErrorCode::invalid_argument,
                where + "a " + std::string(to_string(type)) +
                  " value must be one line without control characters" +
                  (type == IoType::string ? " (use type longstring)" : ""));
  }
  IoSpec spec;
  spec.name = std::string(name);
  spec.type = type;
  auto value = parse_value_text(spec, text);
  if (!value) {
    // Only numbers and booleans fail, and they are no secrets.
    return fail(value.error().code, "variable " + value.error().message);
  }
  return value;
}

std::string
variable_display_text(const Value& value)
{
  if (std::holds_alternative<Secret>(value)) {
    return std::string(k_masked_value);
  }
  return variable_value_text(value);
}

std::string
variable_value_text(const Value& value)
{
  if (const auto* secret = std::get_if<Secret>(&value)) {
    return secret->text;
  }
  if (const auto* text = std::get_if<std::string>(&value)) {
    return *text;
  }
  if (const auto* boolean = std::get_if<bool>(&value)) {
    return *boolean ? "true" : "false";
  }
  if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    return std::to_string(*integer);
  }
  if (const auto* number = std::get_if<double>(&value)) {
    char digits[64];
    const auto end =
      std::to_chars(digits, digits + sizeof(digits), *number).ptr;
    return std::string(digits, end);
  }
  if (const auto* file = std::get_if<FileRef>(&value)) {
    return file->key;
  }
  return "";
}

} // namespace ryax::domain
