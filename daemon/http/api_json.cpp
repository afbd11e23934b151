#include "daemon/http/api_json.hpp"

#include "core/infrastructure/json/run_json.hpp"

#include <fmt/format.h>

namespace ryax::daemon::http {

using json = nlohmann::json;

namespace {

app::HttpField
field_of(const json& value)
{
  app::HttpField field;
  switch (value.type()) {
    case json::value_t::string:
      field.kind = app::HttpField::Kind::string;
      field.text = value.get<std::string>();
      break;
    case json::value_t::boolean:
      field.kind = app::HttpField::Kind::boolean;
      field.text = value.get<bool>() ? "true" : "false";
      break;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      field.kind = app::HttpField::Kind::number;
      field.text = value.dump();
      break;
    case json::value_t::null:
      field.kind = app::HttpField::Kind::null;
      break;
    default:
      field.kind = app::HttpField::Kind::other;
      break;
  }
  return field;
}

// The JSON schema of a value of `spec`.
json
schema_of(const domain::IoSpec& spec)
{
  json schema;
  switch (spec.type) {
    case domain::IoType::integer:
      schema["type"] = "integer";
      break;
    case domain::IoType::float_:
      schema["type"] = "number";
      break;
    case domain::IoType::boolean:
      schema["type"] = "boolean";
      break;
    case domain::IoType::enum_:
      schema["type"] = "string";
      schema["enum"] = spec.enum_values;
      break;
    case domain::IoType::password:
      schema["type"] = "string";
      schema["format"] = "password";
      break;
    default:
      schema["type"] = "string";
      break;
  }
  if (!spec.help.empty()) {
    schema["description"] = spec.help;
  }
  return schema;
}

json
error_schema()
{
  return { { "type", "object" },
           { "properties",
             { { "error", { { "type", "string" } } },
               { "field", { { "type", "string" } } },
               { "workflow_run_id", { { "type", "string" } } } } },
           { "required", json::array({ "error" }) } };
}

json
response(const std::string& description, const json& schema)
{
  return { { "description", description },
           { "content",
             { { "application/json", { { "schema", schema } } } } } };
}

json
operation(const app::ApiEndpointView& view)
{
  const auto& endpoint = view.endpoint;
  json op;
  op["operationId"] = view.workflow_id;
  op["summary"] =
    endpoint.summary.empty()
      ? (view.workflow_name.empty() ? view.workflow_id : view.workflow_name)
      : endpoint.summary;
  if (!endpoint.description.empty()) {
    op["description"] = endpoint.description;
  }
  if (!endpoint.tags.empty()) {
    op["tags"] = endpoint.tags;
  }
  json parameters = json::array();
  json properties = json::object();
  json required = json::array();
  for (const auto& field : endpoint.fields) {
    if (field.origin == "body") {
      properties[field.name] = schema_of(field);
      if (!field.optional) {
        required.push_back(field.name);
      }
      continue;
    }
    json parameter = { { "name", field.name },
                       { "in", field.origin },
                       { "required", field.origin == "path" || !field.optional },
                       { "schema", schema_of(field) } };
    if (!field.help.empty()) {
      parameter["description"] = field.help;
    }
    parameters.push_back(std::move(parameter));
  }
  if (!parameters.empty()) {
    op["parameters"] = std::move(parameters);
  }
  if (!properties.empty()) {
    json schema = { { "type", "object" },
                    { "properties", std::move(properties) },
                    { "additionalProperties", false } };
    if (!required.empty()) {
      schema["required"] = std::move(required);
    }
    op["requestBody"] = {
      { "required", !schema.value("required", json::array()).empty() },
      { "content", { { "application/json", { { "schema", schema } } } } }
    };
  }
  json results = json::object();
  for (const auto& key : view.results) {
    results[key] = json::object(); // any value, or a list across branches
  }
  json responses;
  responses[std::to_string(endpoint.success_code)] =
    response("The workflow results",
             { { "type", "object" }, { "properties", results } });
  responses["202"] = response(
    "The run goes on: poll the result link",
    { { "type", "object" },
      { "properties",
        { { "result_link", { { "type", "string" } } },
          { "workflow_run_id", { { "type", "string" } } } } },
      { "required", json::array({ "result_link", "workflow_run_id" }) } });
  responses["400"] = response("A field is missing or mistyped", error_schema());
  responses["401"] = response("A valid API key is required", error_schema());
  responses["422"] = response("The run failed", error_schema());
  responses["default"] = response("An error", error_schema());
  op["responses"] = std::move(responses);
  return op;
}

std::string
lower(std::string text)
{
  for (auto& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

} // namespace

Result<std::map<std::string, app::HttpField>>
body_fields(std::string_view body)
{
  bool too_deep = false;
  const json::parser_callback_t limit =
    [&](int depth, json::parse_event_t, json&) {
      if (depth > k_max_json_depth) {
        too_deep = true;
        return false;
      }
      return true;
    };
  json doc;
  try {
    doc = json::parse(body.begin(), body.end(), limit);
  } catch (const json::parse_error& e) {
    if (too_deep) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("the body is nested deeper than {} levels",
                              k_max_json_depth));
    }
    return fail(ErrorCode::invalid_argument,
                fmt::format("the body is not JSON: byte {}: a JSON object "
                            "is expected",
                            e.byte));
  } catch (const json::out_of_range&) {
    // 406: a number beyond a double's range ("1e400"); a parse error too.
    return fail(ErrorCode::invalid_argument,
                "the body holds a number out of range: JSON numbers are read "
                "as 64-bit integers or doubles");
  }
  if (too_deep) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the body is nested deeper than {} levels",
                            k_max_json_depth));
  }
  if (!doc.is_object()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("the body is a JSON {}: a JSON object is expected",
                            doc.type_name()));
  }
  std::map<std::string, app::HttpField> fields;
  for (const auto& [name, value] : doc.items()) {
    fields.emplace(name, field_of(value));
  }
  return fields;
}

std::string
reply_text(const json& body)
{
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::map<std::string, std::string>
parse_cookies(std::string_view header)
{
  std::map<std::string, std::string> cookies;
  std::size_t start = 0;
  while (start < header.size()) {
    const auto end = std::min(header.find(';', start), header.size());
    auto pair = header.substr(start, end - start);
    while (!pair.empty() && pair.front() == ' ') {
      pair.remove_prefix(1);
    }
    if (const auto equal = pair.find('='); equal != std::string_view::npos) {
      auto value = pair.substr(equal + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      cookies.emplace(std::string(pair.substr(0, equal)), std::string(value));
    }
    start = end + 1;
  }
  return cookies;
}

json
reply_body(const app::ApiReply& reply, const std::string& base_url)
{
  if (reply.status == 202 || (reply.status == 201 && !reply.run)) {
    json doc = { { "workflow_run_id", reply.run_id } };
    if (reply.status == 202) {
      doc["result_link"] = base_url + "/runner/results/" + reply.run_id;
    }
    return doc;
  }
  if (reply.run && reply.status < 300) {
    json doc = json::object();
    for (const auto& result : reply.run->results) {
      if (result.list) {
        json list = json::array();
        for (const auto& value : result.values) {
          list.push_back(infra::json::value_to_json(value));
        }
        doc[result.key] = std::move(list);
      } else {
        doc[result.key] = result.values.empty()
                            ? json(nullptr)
                            : infra::json::value_to_json(result.values.front());
      }
    }
    return doc;
  }
  json doc = { { "error", reply.error } };
  if (!reply.field.empty()) {
    doc["field"] = reply.field;
  }
  if (!reply.run_id.empty()) {
    doc["workflow_run_id"] = reply.run_id;
  }
  return doc;
}

json
openapi_document(const std::string& project,
                 const std::vector<app::ApiEndpointView>& endpoints,
                 const std::string& base_url)
{
  json paths = json::object();
  for (const auto& view : endpoints) {
    paths[view.endpoint.path][lower(view.endpoint.method)] = operation(view);
  }
  return {
    { "openapi", "3.0.3" },
    { "info",
      { { "title", fmt::format("Project {} API", project) },
        { "version", "1" },
        { "description",
          "The deployed workflows of project " + project +
            " with an HTTP API JSON trigger (served by ryaxd)" } } },
    { "servers", json::array({ { { "url", base_url + "/user-api/" + project } } }) },
    { "paths", std::move(paths) },
    { "components",
      { { "securitySchemes",
          { { "apiKey",
              { { "type", "apiKey" }, { "in", "header" }, { "name", "X-API-Key" } } } } } } },
    { "security", json::array({ { { "apiKey", json::array() } }, json::object() }) },
  };
}

json
portal_document(const std::string& project,
                const std::string& workflow_id,
                const std::vector<domain::IoSpec>& fields)
{
  json list = json::array();
  for (const auto& field : fields) {
    json item = { { "name", field.name },
                  { "type", std::string(domain::to_string(field.type)) },
                  { "optional", field.optional } };
    if (!field.human_name.empty()) {
      item["human_name"] = field.human_name;
    }
    if (!field.help.empty()) {
      item["help"] = field.help;
    }
    if (!field.enum_values.empty()) {
      item["enum_values"] = field.enum_values;
    }
    list.push_back(std::move(item));
  }
  return { { "project", project },
           { "workflow", workflow_id },
           { "method", "POST" },
           { "content_type", "multipart/form-data" },
           { "fields", std::move(list) } };
}

} // namespace ryax::daemon::http
