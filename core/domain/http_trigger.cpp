#include "core/domain/http_trigger.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace ryax::domain {

namespace {

constexpr std::string_view k_methods[] = { "GET",   "POST",   "PUT",
                                           "PATCH", "DELETE", "HEAD" };

std::string
quote(std::string_view text)
{
  return '"' + std::string(text) + '"';
}

bool
is_name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

// Characters allowed in a literal path segment (RFC 3986 pchar without
// "%": a template is written, not escaped).
bool
is_segment_char(char c)
{
  static constexpr std::string_view k_extra = "-._~!$&'()*+,;=:@";
  return is_name_char(c) || k_extra.find(c) != std::string_view::npos;
}

// The static value of input `name` of `trigger`, nullopt when unbound; a
// problem for a non-static binding.
std::optional<Scalar>
static_input(const WorkflowStep& trigger,
             const std::string& name,
             std::vector<HttpProblem>& problems)
{
  const auto it = trigger.inputs_values.find(name);
  if (it == trigger.inputs_values.end()) {
    return std::nullopt;
  }
  if (const auto* value = std::get_if<Scalar>(&it->second)) {
    return *value;
  }
  problems.push_back({ "inputs_values." + name,
                       "trigger " + quote(trigger.from) + " input " +
                         quote(name) +
                         " must be a static value: it is read at deploy" });
  return std::nullopt;
}

std::string
string_input(const WorkflowStep& trigger,
             const std::string& name,
             std::vector<HttpProblem>& problems)
{
  const auto value = static_input(trigger, name, problems);
  const auto* text = value ? std::get_if<std::string>(&*value) : nullptr;
  return text ? *text : std::string();
}

// Split `path` into segments; problems name inputs_values.path.
std::vector<PathSegment>
parse_template(const std::string& path, std::vector<HttpProblem>& problems)
{
  const std::string field = "inputs_values.path";
  std::vector<PathSegment> segments;
  const auto bad = [&](const std::string& why) {
    problems.push_back({ field, "path " + quote(path) + ": " + why });
    return std::vector<PathSegment>{};
  };
  if (path.size() > k_max_http_path) {
    return bad("longer than " + std::to_string(k_max_http_path) +
               " characters");
  }
  if (!path.starts_with('/')) {
    return bad("must start with \"/\"");
  }
  if (path == "/") {
    return bad("must name at least one segment (\"/items\")");
  }
  std::set<std::string> names;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") {
      return bad("empty, \".\" or \"..\" segment");
    }
    if (segment.front() == '{') {
      const auto name = segment.substr(1, segment.size() - 2);
      if (!segment.ends_with('}') || name.empty() || name.size() > 64 ||
          !std::all_of(name.begin(), name.end(), is_name_char)) {
        return bad("segment " + quote(segment) +
                   ": a parameter is \"{name}\", the whole segment, with "
                   "letters, digits or \"_\"");
      }
      if (!names.insert(name).second) {
        return bad("parameter " + quote(name) + " appears twice");
      }
      segments.push_back({ name, true });
    } else if (!std::all_of(segment.begin(), segment.end(), is_segment_char)) {
      return bad("segment " + quote(segment) +
                 " has a character that a URL path would escape");
    } else {
      segments.push_back({ segment, false });
    }
    if (segments.size() > k_max_http_segments) {
      return bad("more than " + std::to_string(k_max_http_segments) +
                 " segments");
    }
    start = end + 1;
  }
  return segments;
}

std::vector<HttpProblem>
api_problems(const WorkflowStep& trigger, HttpEndpoint* endpoint)
{
  std::vector<HttpProblem> problems;
  HttpEndpoint out;
  out.path = string_input(trigger, "path", problems);
  if (trigger.inputs_values.count("path") == 0) {
    problems.push_back({ "inputs_values.path",
                         "trigger \"httpapijson\" needs input \"path\" "
                         "(\"/users/{id}\")" });
  } else if (problems.empty()) {
    out.segments = parse_template(out.path, problems);
  }
  if (const auto method = string_input(trigger, "method", problems);
      !method.empty()) {
    std::string upper = method;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
      return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    });
    if (std::find(std::begin(k_methods), std::end(k_methods), upper) ==
        std::end(k_methods)) {
      problems.push_back({ "inputs_values.method",
                           "method " + quote(method) +
                             ": expected GET, POST, PUT, PATCH, DELETE or "
                             "HEAD" });
    }
    out.method = upper;
  }
  if (const auto code = static_input(trigger, "success_code", problems)) {
    const auto* number = std::get_if<std::int64_t>(&*code);
    if (number == nullptr || (*number != 200 && *number != 201)) {
      problems.push_back({ "inputs_values.success_code",
                           "success_code must be 200 or 201" });
    } else {
      out.success_code = static_cast<int>(*number);
    }
  }
  if (const auto timeout = static_input(trigger, "timeout", problems)) {
    double seconds = 0;
    if (const auto* f = std::get_if<double>(&*timeout)) {
      seconds = *f;
    } else if (const auto* i = std::get_if<std::int64_t>(&*timeout)) {
      seconds = static_cast<double>(*i);
    } else {
      seconds = NAN;
    }
    if (!std::isfinite(seconds) || seconds > 24 * 3600) {
      problems.push_back({ "inputs_values.timeout",
                           "timeout must be a number of seconds up to 86400 "
                           "(0: always reply 202; negative: wait for the "
                           "run)" });
    } else {
      out.timeout_s = seconds;
    }
  }
  out.summary = string_input(trigger, "summary", problems);
  out.description = string_input(trigger, "description", problems);
  const auto tags = string_input(trigger, "tags", problems);
  std::size_t start = 0;
  while (start < tags.size()) {
    const auto end = std::min(tags.find(',', start), tags.size());
    auto tag = tags.substr(start, end - start);
    tag.erase(0, tag.find_first_not_of(' '));
    tag.erase(tag.find_last_not_of(' ') + 1);
    if (!tag.empty()) {
      out.tags.push_back(tag);
    }
    start = end + 1;
  }
  std::set<std::string> parameters;
  for (const auto& segment : out.segments) {
    if (segment.parameter) {
      parameters.insert(segment.text);
    }
  }
  for (std::size_t i = 0; i < trigger.outputs.size(); ++i) {
    auto field = trigger.outputs[i];
    const auto at = "outputs[" + std::to_string(i) + "]";
    if (field.origin.empty()) {
      field.origin = "body";
    }
    if (field.type == IoType::file || field.type == IoType::directory) {
      problems.push_back({ at + ".type",
                           "output " + quote(field.name) +
                             ": an HTTP API JSON request carries no file "
                             "(the \"postgw\" trigger takes file parts)" });
    }
    if (field.origin == "body" &&
        (out.method == "GET" || out.method == "HEAD")) {
      problems.push_back({ at + ".origin",
                           "output " + quote(field.name) + " comes from the "
                             "body, but a " + out.method +
                             " request has none: set its origin to \"query\" "
                             "(or path, header, cookie)" });
    }
    const bool in_path = parameters.erase(field.name) > 0;
    if (field.origin == "path" && !in_path) {
      problems.push_back({ at + ".origin",
                           "output " + quote(field.name) +
                             " has origin \"path\" but the path " +
                             quote(out.path) + " has no {" + field.name +
                             "}" });
    } else if (in_path && field.origin != "path") {
      problems.push_back({ at + ".origin",
                           "output " + quote(field.name) +
                             " is a parameter of the path: its origin must "
                             "be \"path\"" });
    }
    out.fields.push_back(std::move(field));
  }
  if (!parameters.empty() && !out.segments.empty()) {
    problems.push_back({ "inputs_values.path",
                         "path parameter " + quote(*parameters.begin()) +
                           " is not an output of the trigger: declare it "
                           "with origin \"path\"" });
  }
  if (endpoint != nullptr) {
    *endpoint = std::move(out);
  }
  return problems;
}

} // namespace

bool
is_http_trigger(std::string_view from)
{
  return from == "postgw" || from == "httpapijson";
}

bool
is_http_origin(std::string_view origin)
{
  return origin == "path" || origin == "query" || origin == "header" ||
         origin == "cookie" || origin == "body";
}

std::vector<HttpProblem>
http_problems(const WorkflowStep& trigger)
{
  if (trigger.from == "httpapijson") {
    return api_problems(trigger, nullptr);
  }
  std::vector<HttpProblem> problems;
  for (std::size_t i = 0; i < trigger.outputs.size(); ++i) {
    if (!trigger.outputs[i].origin.empty()) {
      problems.push_back({ "outputs[" + std::to_string(i) + "].origin",
                           "only outputs of trigger \"httpapijson\" have an "
                           "origin" });
    }
  }
  return problems;
}

Result<HttpEndpoint>
http_endpoint(const WorkflowStep& trigger)
{
  if (trigger.from != "httpapijson") {
    return fail(ErrorCode::failed_precondition,
                "trigger " + quote(trigger.from) + " is not \"httpapijson\"");
  }
  HttpEndpoint endpoint;
  const auto problems = api_problems(trigger, &endpoint);
  if (!problems.empty()) {
    return fail(ErrorCode::invalid_argument,
                problems.front().field + ": " + problems.front().message);
  }
  return endpoint;
}

std::optional<std::string>
percent_decode(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    const int high = hex(text[i + 1]);
    const int low = hex(text[i + 2]);
    if (high < 0 || low < 0 || (high == 0 && low == 0)) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::optional<std::map<std::string, std::string>>
match_path(const HttpEndpoint& endpoint, std::string_view path)
{
  if (!path.starts_with('/')) {
    return std::nullopt;
  }
  std::map<std::string, std::string> parameters;
  std::size_t start = 1;
  for (const auto& segment : endpoint.segments) {
    if (start > path.size()) {
      return std::nullopt;
    }
    const auto end = std::min(path.find('/', start), path.size());
    const auto text = path.substr(start, end - start);
    if (text.empty()) {
      return std::nullopt;
    }
    const auto decoded = percent_decode(text);
    if (!decoded) {
      return std::nullopt;
    }
    if (segment.parameter) {
      parameters[segment.text] = *decoded;
    } else if (*decoded != segment.text) {
      return std::nullopt;
    }
    start = end + 1;
  }
  if (start <= path.size()) {
    return std::nullopt; // segments left over
  }
  return parameters;
}

} // namespace ryax::domain
