#include "core/application/http_binding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ryax::app {

namespace {

ApiReply
refusal(std::string message, std::string field)
{
  ApiReply reply;
  reply.status = 400;
  reply.error = std::move(message);
  reply.field = std::move(field);
  return reply;
}

bool
fits_kind(const domain::IoSpec& spec, HttpField::Kind kind)
{
  using domain::IoType;
  switch (spec.type) {
    case IoType::integer:
    case IoType::float_:
      return kind == HttpField::Kind::number;
    case IoType::boolean:
      return kind == HttpField::Kind::boolean;
    default:
      return kind == HttpField::Kind::string;
  }
}

std::string_view
kind_name(HttpField::Kind kind)
{
  switch (kind) {
    case HttpField::Kind::string:
      return "a string";
    case HttpField::Kind::number:
      return "a number";
    case HttpField::Kind::boolean:
      return "a boolean";
    case HttpField::Kind::null:
      return "null";
    default:
      return "an object or array";
  }
}

// The value of `field` in `request`, from its origin; nullopt when absent.
// A JSON member must be of the field's kind.
Result<std::optional<std::string>>
value_of(const domain::IoSpec& field, const ApiRequest& request)
{
  const auto find = [&](const std::map<std::string, std::string>& from,
                        const std::string& name)
    -> std::optional<std::string> {
    const auto it = from.find(name);
    if (it == from.end()) {
      return std::nullopt;
    }
    return it->second;
  };
  if (field.origin == "query") {
    return find(request.query, field.name);
  }
  if (field.origin == "cookie") {
    return find(request.cookies, field.name);
  }
  if (field.origin == "header") {
    std::string lower = field.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
      return c == '_' ? '-' : static_cast<char>(std::tolower(c));
    });
    // "user_id" is sent as the header "user-id" (or "user_id").
    if (auto value = find(request.headers, lower)) {
      return value;
    }
    std::string same = field.name;
    std::transform(same.begin(), same.end(), same.begin(), [](char c) {
      return static_cast<char>(std::tolower(c));
    });
    return find(request.headers, same);
  }
  if (!request.body) {
    return std::optional<std::string>();
  }
  const auto it = request.body->find(field.name);
  if (it == request.body->end() || it->second.kind == HttpField::Kind::null) {
    return std::optional<std::string>();
  }
  if (!fits_kind(field, it->second.kind)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("field \"{}\": expected {} ({}), got {}",
                            field.name,
                            field.type == domain::IoType::integer ||
                                field.type == domain::IoType::float_
                              ? "a number"
                            : field.type == domain::IoType::boolean
                              ? "a boolean"
                              : "a string",
                            domain::to_string(field.type),
                            kind_name(it->second.kind)));
  }
  return std::optional<std::string>(it->second.text);
}

} // namespace

BoundCall
bind_call(const domain::HttpEndpoint& endpoint,
          const std::map<std::string, std::string>& parameters,
          const ApiRequest& request)
{
  BoundCall bound;
  for (const auto& field : endpoint.fields) {
    std::optional<std::string> value;
    if (field.origin == "path") {
      const auto it = parameters.find(field.name);
      if (it != parameters.end()) {
        value = it->second;
      }
    } else {
      auto read = value_of(field, request);
      if (!read) {
        bound.refused = refusal(read.error().message, field.name);
        return bound;
      }
      value = std::move(*read);
    }
    if (!value) {
      if (field.optional) {
        continue;
      }
      bound.refused = refusal(
        fmt::format("field \"{}\" ({}, from the {}) is missing",
                    field.name,
                    domain::to_string(field.type),
                    field.origin),
        field.name);
      return bound;
    }
    bound.values.emplace_back(field.name, std::move(*value));
  }
  if (request.body) {
    for (const auto& [name, value] : *request.body) {
      const auto declared =
        std::find_if(endpoint.fields.begin(),
                     endpoint.fields.end(),
                     [&](const auto& f) {
                       return f.name == name && f.origin == "body";
                     });
      if (declared == endpoint.fields.end()) {
        bound.refused =
          refusal(fmt::format("unknown field \"{}\" in the body", name), name);
        return bound;
      }
    }
  }
  return bound;
}

} // namespace ryax::app
