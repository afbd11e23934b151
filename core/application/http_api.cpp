#include "core/application/http_api.hpp"

#include "core/application/http_binding.hpp"

#include "core/application/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace ryax::app {

namespace {

// The longest wait between two looks at m_stopping while a call waits.
constexpr auto k_wait_slice = std::chrono::milliseconds(500);

ApiReply
error_reply(int status, std::string message, std::string field = {})
{
  ApiReply reply;
  reply.status = status;
  reply.error = std::move(message);
  reply.field = std::move(field);
  return reply;
}

// The HTTP status of a failed start_run or lookup.
int
status_of(ErrorCode code)
{
  switch (code) {
    case ErrorCode::invalid_argument:
      return 400;
    case ErrorCode::unauthenticated:
      return 401;
    case ErrorCode::permission_denied:
      return 403;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::already_exists:
      return 409;
    case ErrorCode::unavailable:
    case ErrorCode::failed_precondition:
      return 503;
    default:
      return 500;
  }
}

ApiReply
reply_of_error(const Error& error)
{
  return error_reply(status_of(error.code), error.message);
}

} // namespace

ApiReply
reply_of_finished(const RunView& view, int success_code)
{
  const auto& run = view.stored.run;
  if (run.state == domain::RunState::done) {
    ApiReply reply;
    reply.status = success_code;
    reply.run = view;
    reply.run_id = run.id;
    return reply;
  }
  ApiReply reply;
  reply.run_id = run.id;
  reply.status = 422;
  if (run.error) {
    const auto& error = run.error->error;
    reply.error = fmt::format("step \"{}\": {}", run.error->step, error.message);
    if (error.kind == "ryax_exception" && error.code >= 400 &&
        error.code <= 599) {
      reply.status = static_cast<int>(error.code);
      reply.error = error.message;
    }
  } else {
    reply.error = fmt::format("the run is {}", domain::to_string(run.state));
  }
  return reply;
}

HttpApi::HttpApi(WorkflowStore& workflows,
                 WorkflowFormat& format,
                 RunService& runs,
                 ApiKeyCheck check_key)
  : m_workflows(workflows)
  , m_format(format)
  , m_runs(runs)
  , m_check_key(std::move(check_key))
{
}

Result<void>
HttpApi::start()
{
  m_stopping = false;
  RYAX_TRY_ASSIGN(const auto deployed, m_workflows.deployed());
  for (const auto& deployment : deployed) {
    add(deployment);
  }
  return {};
}

void
HttpApi::stop()
{
  m_stopping = true;
}

void
HttpApi::deployed(const WorkflowDeployment& deployment)
{
  add(deployment);
}

void
HttpApi::undeployed(const std::string& project, const std::string& id)
{
  std::lock_guard lock(m_mutex);
  if (m_served.erase({ project, id }) > 0) {
    log::info("workflow {}: HTTP trigger stopped", id);
  }
}

void
HttpApi::add(const WorkflowDeployment& deployment)
{
  const Key key{ deployment.project, deployment.id };
  const auto stored = m_workflows.find(
    deployment.project, deployment.id, deployment.deployed_version);
  if (!stored || !*stored) {
    return;
  }
  const auto parsed = m_format.parse((*stored)->yaml, deployment.id + ".yaml");
  if (!parsed.workflow ||
      !domain::is_http_trigger(parsed.workflow->trigger.from)) {
    std::lock_guard lock(m_mutex);
    m_served.erase(key);
    return;
  }
  const auto& workflow = *parsed.workflow;
  Served served;
  served.trigger = workflow.trigger.from;
  served.view.workflow_id = workflow.id;
  served.view.workflow_name = workflow.human_name;
  served.max_concurrent_runs = workflow.max_concurrent_runs.value_or(0);
  for (const auto& result : workflow.results) {
    served.view.results.push_back(result.key);
  }
  std::string problem;
  if (served.trigger == "httpapijson") {
    if (auto endpoint = domain::http_endpoint(workflow.trigger); endpoint) {
      served.view.endpoint = std::move(*endpoint);
    } else {
      problem = endpoint.error().message;
    }
  } else {
    served.view.endpoint.fields = workflow.trigger.outputs;
  }
  std::lock_guard lock(m_mutex);
  m_served.erase(key);
  if (problem.empty() && served.trigger == "httpapijson") {
    for (const auto& [other, it] : m_served) {
      if (other.first == key.first && it.trigger == "httpapijson" &&
          it.view.endpoint.method == served.view.endpoint.method &&
          it.view.endpoint.path == served.view.endpoint.path) {
        problem = fmt::format("{} {} is served by workflow \"{}\" of this "
                              "project: undeploy it or change the path",
                              it.view.endpoint.method,
                              it.view.endpoint.path,
                              other.second);
      }
    }
  }
  auto state = deployment.trigger;
  state.error = problem;
  if (!(state == deployment.trigger)) {
    if (auto saved = m_workflows.set_trigger_state(key.first, key.second, state);
        !saved) {
      log::error("workflow {}: trigger state not saved: {}",
                 key.second,
                 saved.error().message);
    }
  }
  if (!problem.empty()) {
    log::error("workflow {}: HTTP trigger not started: {}", key.second, problem);
    return;
  }
  log::info("workflow {}: {} {} served", key.second, served.trigger,
            served.trigger == "postgw" ? "portal"
                                       : served.view.endpoint.method + " " +
                                           served.view.endpoint.path);
  m_served.emplace(key, std::move(served));
}

std::vector<ApiEndpointView>
HttpApi::endpoints(const std::string& project)
{
  std::vector<ApiEndpointView> out;
  std::lock_guard lock(m_mutex);
  for (const auto& [key, served] : m_served) {
    if (key.first == project && served.trigger == "httpapijson") {
      out.push_back(served.view);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.endpoint.path, a.endpoint.method) <
           std::tie(b.endpoint.path, b.endpoint.method);
  });
  return out;
}

ApiReply
HttpApi::call(const ApiRequest& request)
{
  if (auto allowed = m_check_key(request.project, request.api_key); !allowed) {
    return reply_of_error(allowed.error());
  }
  std::optional<Key> found;
  int max_concurrent_runs = 0;
  domain::HttpEndpoint endpoint;
  std::map<std::string, std::string> parameters;
  bool other_method = false;
  {
    std::lock_guard lock(m_mutex);
    for (const auto& [key, served] : m_served) {
      if (key.first != request.project || served.trigger != "httpapijson") {
        continue;
      }
      auto matched = domain::match_path(served.view.endpoint, request.path);
      if (!matched) {
        continue;
      }
      if (served.view.endpoint.method != request.method) {
        other_method = true;
        continue;
      }
      found = key;
      max_concurrent_runs = served.max_concurrent_runs;
      endpoint = served.view.endpoint;
      parameters = std::move(*matched);
      break;
    }
  }
  if (!found) {
    return other_method
             ? error_reply(405,
                           fmt::format("{} is not served with method {}",
                                       request.path,
                                       request.method))
             : error_reply(404,
                           fmt::format("no endpoint {} {} in project \"{}\"",
                                       request.method,
                                       request.path,
                                       request.project));
  }
  auto bound = bind_call(endpoint, parameters, request);
  if (bound.refused) {
    return *bound.refused;
  }
  StartRunRequest start;
  start.workflow_id = found->second;
  start.project = found->first;
  start.by_trigger = true;
  start.values = std::move(bound.values);
  if (auto refused = over_limit(*found, max_concurrent_runs)) {
    return *refused;
  }
  return start_and_wait(start, endpoint.timeout_s, endpoint.success_code);
}

std::optional<ApiReply>
HttpApi::over_limit(const Key& key, int max_concurrent_runs)
{
  if (max_concurrent_runs <= 0) {
    return std::nullopt;
  }
  const int going = m_runs.unfinished_runs(key.first, key.second);
  if (going < max_concurrent_runs) {
    return std::nullopt;
  }
  return error_reply(429,
                     fmt::format("workflow \"{}\" has {} runs going, its "
                                 "max_concurrent_runs: try again later",
                                 key.second,
                                 going));
}

ApiReply
HttpApi::start_and_wait(const StartRunRequest& request,
                        double timeout_s,
                        int success_code)
{
  auto started = m_runs.start_run(request);
  if (!started) {
    auto reply = reply_of_error(started.error());
    if (started.error().code == ErrorCode::invalid_argument) {
      // "output \"name\": ..." names the field; keep the message whole.
      reply.status = 400;
    }
    return reply;
  }
  const auto id = started->stored.run.id;
  ApiReply accepted;
  accepted.status = 202;
  accepted.run_id = id;
  if (timeout_s == 0) {
    return accepted;
  }
  const auto begin = std::chrono::steady_clock::now();
  const auto limit =
    begin + std::chrono::milliseconds(static_cast<std::int64_t>(
              std::max(0.0, timeout_s) * 1000));
  while (!m_stopping) {
    auto deadline = std::chrono::steady_clock::now() + k_wait_slice;
    if (timeout_s > 0) {
      deadline = std::min(deadline, limit);
    }
    auto view = m_runs.wait_final(id, deadline);
    if (!view) {
      return reply_of_error(view.error());
    }
    if (domain::is_final(view->stored.run.state)) {
      return reply_of_finished(*view, success_code);
    }
    if (timeout_s > 0 && std::chrono::steady_clock::now() >= limit) {
      break;
    }
  }
  return accepted;
}

ApiReply
HttpApi::result(const std::string& run_id, std::string_view api_key)
{
  auto view = m_runs.get_any(run_id);
  if (!view) {
    return reply_of_error(view.error());
  }
  if (auto allowed = m_check_key(view->stored.project, api_key); !allowed) {
    return reply_of_error(allowed.error());
  }
  if (!domain::is_final(view->stored.run.state)) {
    auto reply = error_reply(
      503,
      fmt::format("run {} is {}", run_id, domain::to_string(view->stored.run.state)));
    reply.run_id = run_id;
    return reply;
  }
  return reply_of_finished(*view, 200);
}

Result<HttpApi::Served>
HttpApi::find_portal(const std::string& project,
                     const std::string& workflow_id,
                     std::string_view api_key)
{
  RYAX_TRY(m_check_key(project, api_key));
  std::lock_guard lock(m_mutex);
  const auto it = m_served.find({ project, workflow_id });
  if (it == m_served.end() || it->second.trigger != "postgw") {
    return fail(ErrorCode::not_found,
                fmt::format("no portal \"{}\" in project \"{}\": the workflow "
                            "is not deployed with trigger \"postgw\"",
                            workflow_id,
                            project));
  }
  return it->second;
}

Result<std::vector<domain::IoSpec>>
HttpApi::portal(const std::string& project,
                const std::string& workflow_id,
                std::string_view api_key)
{
  RYAX_TRY_ASSIGN(auto served, find_portal(project, workflow_id, api_key));
  return std::move(served.view.endpoint.fields);
}

ApiReply
HttpApi::post(const std::string& project,
              const std::string& workflow_id,
              const std::map<std::string, std::string>& values,
              const std::vector<Upload>& files,
              std::string_view api_key)
{
  auto served = find_portal(project, workflow_id, api_key);
  if (!served) {
    return reply_of_error(served.error());
  }
  if (auto refused = over_limit({ project, workflow_id },
                                served->max_concurrent_runs)) {
    return *refused;
  }
  const auto* fields = &served->view.endpoint.fields;
  StartRunRequest start;
  start.workflow_id = workflow_id;
  start.project = project;
  start.by_trigger = true;
  start.files = files;
  for (const auto& [name, value] : values) {
    const auto declared =
      std::find_if(fields->begin(), fields->end(), [&](const auto& f) {
        return f.name == name;
      });
    if (declared == fields->end()) {
      return error_reply(
        400, fmt::format("unknown field \"{}\"", name), name);
    }
    start.values.emplace_back(name, value);
  }
  auto reply = start_and_wait(start, 0, 0);
  if (reply.status == 202) {
    reply.status = 201;
  }
  return reply;
}

} // namespace ryax::app
