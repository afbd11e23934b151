#include "cli/output/json_fields.hpp"

#include <cmath>

namespace ryax::cli::output {

namespace {

const nlohmann::json k_null;
const nlohmann::json k_empty_array = nlohmann::json::array();

} // namespace

const nlohmann::json&
field(const nlohmann::json& object, std::string_view key)
{
  if (!object.is_object()) {
    return k_null;
  }
  const auto it = object.find(key);
  return it == object.end() ? k_null : *it;
}

const nlohmann::json&
array_field(const nlohmann::json& object, std::string_view key)
{
  const auto& value = field(object, key);
  return value.is_array() ? value : k_empty_array;
}

const nlohmann::json&
element(const nlohmann::json& array, std::size_t index)
{
  return array.is_array() && index < array.size() ? array[index] : k_null;
}

std::string
text_field(const nlohmann::json& object,
           std::string_view key,
           std::string_view fallback)
{
  const auto& value = field(object, key);
  return value.is_string() ? value.get<std::string>() : std::string(fallback);
}

bool
flag_field(const nlohmann::json& object, std::string_view key, bool fallback)
{
  const auto& value = field(object, key);
  return value.is_boolean() ? value.get<bool>() : fallback;
}

std::optional<double>
number_field(const nlohmann::json& object, std::string_view key)
{
  const auto& value = field(object, key);
  return value.is_number() ? std::optional(value.get<double>()) : std::nullopt;
}

std::optional<std::int64_t>
integer_field(const nlohmann::json& object, std::string_view key)
{
  const auto& value = field(object, key);
  if (value.is_number_integer()) {
    return value.get<std::int64_t>();
  }
  if (value.is_number_float()) {
    const auto number = value.get<double>();
    if (std::isfinite(number) && std::fabs(number) < 9.2e18) {
      return static_cast<std::int64_t>(number);
    }
  }
  return std::nullopt;
}

std::string
json_text(const nlohmann::json& value)
{
  return value.is_string() ? value.get<std::string>() : dump(value);
}

std::string
dump(const nlohmann::json& doc, int indent)
{
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace ryax::cli::output
