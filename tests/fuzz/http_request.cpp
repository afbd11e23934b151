// libFuzzer target: our side of the HTTP API's request handling (not
// cpp-httplib's parsing). The input is four lines and a body:
//   1. an endpoint's path template ("/users/{id}"), checked as a deployed
//      httpapijson trigger is (http_endpoint); each "{name}" gets a path
//      field, beside fixed query, header, cookie and body fields;
//   2. the request path under /user-api/PROJECT, with its query;
//   3. the Cookie header;
//   4. one "name: value" header;
//   then the JSON body.
// The request goes through what ryaxd does with it: the project segment
// and the path percent-decoded, match_path, parse_cookies, body_fields,
// bind_call, and the reply and OpenAPI documents written.

#include "core/application/http_binding.hpp"
#include "core/domain/http_trigger.hpp"
#include "daemon/http/api_json.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace domain = ryax::domain;
namespace app = ryax::app;
namespace http = ryax::daemon::http;

// The next line of `rest` (without its '\n'), removed from it.
std::string_view
take_line(std::string_view& rest)
{
  const auto end = rest.find('\n');
  const auto line = rest.substr(0, end);
  rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
  return line;
}

domain::IoSpec
field(std::string name, domain::IoType type, std::string origin, bool optional)
{
  domain::IoSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.origin = std::move(origin);
  spec.optional = optional;
  return spec;
}

domain::WorkflowStep
trigger(std::string_view path_template)
{
  domain::WorkflowStep step;
  step.id = "api";
  step.from = "httpapijson";
  step.inputs_values["path"] = domain::Scalar(std::string(path_template));
  step.inputs_values["method"] = domain::Scalar(std::string("POST"));
  // A path field per "{name}" of the template.
  std::size_t at = 0;
  while ((at = path_template.find('{', at)) != std::string_view::npos) {
    const auto close = path_template.find('}', at);
    if (close == std::string_view::npos) {
      break;
    }
    step.outputs.push_back(field(std::string(path_template.substr(at + 1, close - at - 1)),
                                 domain::IoType::string, "path", false));
    at = close;
  }
  step.outputs.push_back(field("count", domain::IoType::integer, "query", true));
  step.outputs.push_back(field("user_id", domain::IoType::string, "header", true));
  step.outputs.push_back(field("session", domain::IoType::string, "cookie", true));
  step.outputs.push_back(field("ratio", domain::IoType::float_, "body", true));
  step.outputs.push_back(field("flag", domain::IoType::boolean, "body", true));
  step.outputs.push_back(field("text", domain::IoType::string, "body", false));
  return step;
}

// "a=1&b=%20" as the query map (httplib decodes it; this is a stand-in).
std::map<std::string, std::string>
query_of(std::string_view query)
{
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    const auto equal = pair.find('=');
    const auto name = domain::percent_decode(pair.substr(0, equal));
    const auto value = equal == std::string_view::npos
                         ? std::optional<std::string>("")
                         : domain::percent_decode(pair.substr(equal + 1));
    if (name && value) {
      out.emplace(*name, *value);
    }
  }
  return out;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const auto path_template = take_line(rest);
  const auto target = take_line(rest);
  const auto cookie = take_line(rest);
  const auto header = take_line(rest);
  const auto body = rest;

  const auto step = trigger(path_template);
  (void)domain::http_problems(step);
  const auto endpoint = domain::http_endpoint(step);

  // As http_server.cpp's user_api: "/user-api/" PROJECT PATH ["?" QUERY].
  app::ApiRequest request;
  const auto question = target.find('?');
  const auto raw = target.substr(0, question);
  const auto slash = raw.find('/');
  request.project = domain::percent_decode(raw.substr(0, slash)).value_or("");
  request.path = slash == std::string_view::npos ? "/" : std::string(raw.substr(slash));
  request.method = "POST";
  if (question != std::string_view::npos) {
    request.query = query_of(target.substr(question + 1));
  }
  request.cookies = http::parse_cookies(cookie);
  if (const auto colon = header.find(':'); colon != std::string_view::npos) {
    std::string name(header.substr(0, colon));
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    request.headers.emplace(name, std::string(header.substr(colon + 1)));
  }
  if (!body.empty()) {
    auto fields = http::body_fields(body);
    if (!fields) {
      return 0; // 400 with the message
    }
    request.body = std::move(*fields);
  }
  if (!endpoint) {
    return 0;
  }
  const auto parameters = domain::match_path(*endpoint, request.path);
  app::ApiReply reply;
  if (parameters) {
    auto bound = app::bind_call(*endpoint, *parameters, request);
    if (bound.refused) {
      reply = *bound.refused;
    } else {
      reply.status = 202;
      reply.run_id = "run-1";
    }
  } else {
    reply.status = 404;
    reply.error = "no endpoint";
  }
  (void)http::reply_text(http::reply_body(reply, "http://127.0.0.1:8080"));
  app::ApiEndpointView view;
  view.workflow_id = "wf";
  view.workflow_name = "Workflow";
  view.endpoint = *endpoint;
  view.results = { "out" };
  (void)http::reply_text(
    http::openapi_document(request.project, { view }, "http://127.0.0.1:8080"));
  return 0;
}
