#pragma once

#include "core/domain/action.hpp"
#include "core/domain/error.hpp"
#include "core/domain/workflow.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::domain {

// The reply timeout of "httpapijson" when its input is absent, in seconds.
inline constexpr double k_default_http_timeout_s = 20;
// The longest templated path, and the most segments in it.
inline constexpr std::size_t k_max_http_path = 512;
inline constexpr std::size_t k_max_http_segments = 32;

// Whether `from` names a built-in trigger served over HTTP ("postgw",
// "httpapijson").
bool is_http_trigger(std::string_view from);

// Whether `origin` is one an "httpapijson" output may have: "path",
// "query", "header", "cookie" or "body".
bool is_http_origin(std::string_view origin);

// One segment of a templated path: literal text, or "{name}".
struct PathSegment
{
  std::string text; // the literal, or the parameter's name
  bool parameter = false;
};

// One endpoint of a project's HTTP API: the "httpapijson" trigger of a
// deployed workflow.
struct HttpEndpoint
{
  std::string path; // as written ("/users/{id}")
  std::vector<PathSegment> segments;
  std::string method = "POST"; // upper case
  int success_code = 200;      // 200 or 201
  // Seconds to wait for the run before replying 202; < 0 waits forever, 0
  // always replies 202.
  double timeout_s = k_default_http_timeout_s;
  std::string summary;
  std::vector<std::string> tags;
  std::string description;
  std::vector<IoSpec> fields; // the trigger's outputs, origin set
};

// One problem of an HTTP trigger's inputs or outputs.
struct HttpProblem
{
  std::string field; // "inputs_values.path", "outputs[1].origin"...
  std::string message;
};

// The problems of `trigger` (an "httpapijson" or "postgw" trigger): a
// non-static input, a path that is not "/"-rooted, has an empty, "." or
// ".." segment, a bad or repeated "{name}", a parameter with no output of
// origin "path" or the reverse, an unknown method, a success code other
// than 200 and 201, a non-number timeout; an output with an origin on any
// trigger but "httpapijson"; a file or directory output of "httpapijson"
// (a JSON request carries no file: "postgw" takes file parts). Empty when
// it can serve, or when `trigger` is not an HTTP trigger.
std::vector<HttpProblem> http_problems(const WorkflowStep& trigger);

// The endpoint of `trigger` ("httpapijson"). invalid_argument with the
// first of http_problems.
Result<HttpEndpoint> http_endpoint(const WorkflowStep& trigger);

// The path parameters when `path` (starting with "/", no query) matches
// `endpoint`'s template, each segment whole ("{id}" takes one non-empty
// segment, percent-decoded); nullopt otherwise.
std::optional<std::map<std::string, std::string>> match_path(
  const HttpEndpoint& endpoint,
  std::string_view path);

// "%41%2f" -> "A/"; nullopt for a bad escape or a NUL.
std::optional<std::string> percent_decode(std::string_view text);

} // namespace ryax::domain
