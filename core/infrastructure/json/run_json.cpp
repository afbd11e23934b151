#include "core/infrastructure/json/run_json.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <variant>

namespace ryax::infra::json {

using nlohmann::json;

namespace {

// What a Secret is on the wire.
constexpr const char* k_redacted = "********";

// The name users see in a key "<digest>/<name>".
std::string
key_name(const std::string& key)
{
  const auto slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

Result<domain::Value>
file_from_json(const json& doc)
{
  const bool file = doc.contains("file");
  const bool directory = doc.contains("directory");
  const auto key = doc.find("key");
  if (doc.size() != 2 || file == directory || key == doc.end() ||
      !key->is_string() || key->get_ref<const std::string&>().empty() ||
      !doc.at(file ? "file" : "directory").is_string()) {
    return fail(ErrorCode::invalid_argument,
                "an object value must be {\"file\": NAME, \"key\": KEY} or "
                "{\"directory\": NAME, \"key\": KEY}");
  }
  return domain::FileRef{ key->get<std::string>(), directory };
}

// The member `name` of `doc` when it has type T, else `fallback`.
template<typename T>
T
member_or(const json& doc, const char* name, T fallback)
{
  const auto it = doc.find(name);
  if (it == doc.end()) {
    return fallback;
  }
  if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->get<std::string>() : fallback;
  } else {
    return it->is_number_integer() ? it->get<T>() : fallback;
  }
}

} // namespace

json
value_to_json(const domain::Value& value)
{
  return std::visit(
    [](const auto& v) -> json {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, std::monostate>) {
        return nullptr;
      } else if constexpr (std::is_same_v<T, double>) {
        return std::isfinite(v) ? json(v) : json(nullptr);
      } else if constexpr (std::is_same_v<T, domain::FileRef>) {
        return { { v.directory ? "directory" : "file", key_name(v.key) },
                 { "key", v.key } };
      } else if constexpr (std::is_same_v<T, domain::Secret>) {
        return k_redacted;
      } else {
        return v;
      }
    },
    value);
}

Result<domain::Value>
value_from_json(const json& doc)
{
  switch (doc.type()) {
    case json::value_t::null:
      return domain::Value{};
    case json::value_t::boolean:
      return doc.get<bool>();
    case json::value_t::number_integer:
      return doc.get<std::int64_t>();
    case json::value_t::number_unsigned:
      if (doc.get<std::uint64_t>() >
          static_cast<std::uint64_t>(
            std::numeric_limits<std::int64_t>::max())) {
        return fail(ErrorCode::invalid_argument,
                    "integer " + doc.dump() + " is out of range");
      }
      return static_cast<std::int64_t>(doc.get<std::uint64_t>());
    case json::value_t::number_float:
      return doc.get<double>();
    case json::value_t::string:
      return doc.get<std::string>();
    case json::value_t::object:
      return file_from_json(doc);
    default:
      return fail(ErrorCode::invalid_argument,
                  std::string("a value cannot be a JSON ") + doc.type_name());
  }
}

json
values_to_json(const domain::Values& values)
{
  json doc = json::object();
  for (const auto& [name, value] : values) {
    doc[name] = value_to_json(value);
  }
  return doc;
}

Result<domain::Values>
values_from_json(const json& doc)
{
  return values_from_json(doc, nullptr);
}

Result<json>
sealed_values_to_json(const domain::Values& values, app::SecretBox& box)
{
  json doc = json::object();
  for (const auto& [name, value] : values) {
    if (const auto* secret = std::get_if<domain::Secret>(&value)) {
      auto sealed = box.seal(secret->text);
      if (!sealed) {
        return fail(sealed.error().code, "value \"" + name + "\": " + sealed.error().message);
      }
      doc[name] = { { "sealed", std::move(*sealed) } };
    } else {
      doc[name] = value_to_json(value);
    }
  }
  return doc;
}

Result<domain::Values>
values_from_json(const json& doc, app::SecretBox* box)
{
  if (!doc.is_object()) {
    return fail(ErrorCode::invalid_argument,
                std::string("values must be a JSON object, not ") +
                  doc.type_name());
  }
  domain::Values values;
  for (const auto& [name, item] : doc.items()) {
    const auto sealed = item.is_object() && item.size() == 1 ? item.find("sealed") : item.end();
    if (box != nullptr && sealed != item.end() && sealed->is_string()) {
      auto text = box->open(sealed->get<std::string>());
      if (!text) {
        return fail(text.error().code, "value \"" + name + "\": " + text.error().message);
      }
      values.emplace(name, domain::Secret{ std::move(*text) });
      continue;
    }
    auto value = value_from_json(item);
    if (!value) {
      return fail(ErrorCode::invalid_argument,
                  "value \"" + name + "\": " + value.error().message);
    }
    values.emplace(name, std::move(*value));
  }
  return values;
}

json
step_error_to_json(const domain::StepError& error)
{
  return { { "kind", error.kind },
           { "message", error.message },
           { "code", error.code },
           { "traceback", error.traceback } };
}

domain::StepError
step_error_from_json(const json& doc)
{
  domain::StepError error;
  if (!doc.is_object()) {
    return error;
  }
  error.kind = member_or<std::string>(doc, "kind", "");
  error.message = member_or<std::string>(doc, "message", "");
  error.code = member_or<std::int64_t>(doc, "code", 0);
  error.traceback = member_or<std::string>(doc, "traceback", "");
  return error;
}

void
collect_file_keys(const domain::Values& values, std::set<std::string>& keys)
{
  for (const auto& [name, value] : values) {
    if (const auto* file = std::get_if<domain::FileRef>(&value)) {
      keys.insert(file->key);
    }
  }
}

} // namespace ryax::infra::json
