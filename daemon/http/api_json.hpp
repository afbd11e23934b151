#pragma once

// The JSON of the HTTP API: request bodies read into fields, replies and
// the OpenAPI document written. No I/O: the server (http_server.cpp) moves
// the bytes.

#include "core/application/http_api.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>

namespace ryax::daemon::http {

// The deepest nesting of a request body's JSON.
inline constexpr int k_max_json_depth = 64;

// The members of a JSON object body. invalid_argument for text that is not
// JSON, not an object, or nested deeper than k_max_json_depth.
Result<std::map<std::string, app::HttpField>> body_fields(std::string_view body);

// "a=1; b=2" -> {a: 1, b: 2} (the Cookie header).
std::map<std::string, std::string> parse_cookies(std::string_view header);

// The bytes of a reply: `body` as JSON text, with any invalid UTF-8 (a
// request's project or path echoed in a message) written as U+FFFD instead
// of failing the reply.
std::string reply_text(const nlohmann::json& body);

// The reply body: the results of the finished run (an object keyed by
// result; a list per key for results across branches), a result link
// (202), or {"error", "field", "workflow_run_id"} for an error.
nlohmann::json reply_body(const app::ApiReply& reply,
                          const std::string& base_url);

// The OpenAPI 3.0 document of `project`'s deployed endpoints, served under
// `base_url` (scheme://host:port).
nlohmann::json openapi_document(const std::string& project,
                                const std::vector<app::ApiEndpointView>& endpoints,
                                const std::string& base_url);

// The description of a portal's fields (GET on a postgw portal).
nlohmann::json portal_document(const std::string& project,
                               const std::string& workflow_id,
                               const std::vector<domain::IoSpec>& fields);

} // namespace ryax::daemon::http
