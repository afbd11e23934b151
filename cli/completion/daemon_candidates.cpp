// The names the daemon holds, for completing the arguments that name them.

#include "cli/client/client.hpp"
#include "cli/completion/candidates.hpp"

#include "ryax/v1/action.grpc.pb.h"
#include "ryax/v1/apikey.grpc.pb.h"
#include "ryax/v1/identity.grpc.pb.h"
#include "ryax/v1/run.grpc.pb.h"
#include "ryax/v1/site.grpc.pb.h"
#include "ryax/v1/variable.grpc.pb.h"
#include "ryax/v1/workflow.grpc.pb.h"
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>

namespace ryax::cli::completion {

namespace {

// One call, bounded anyway by the caller's deadline.
constexpr std::chrono::milliseconds k_call_timeout{ 500 };

template<typename Reply, typename Method>
Result<Reply>
call(const Client& client, Method&& method)
{
  return client.call<Reply>(std::forward<Method>(method), k_call_timeout);
}

Result<std::vector<Candidate>>
workflows(const Client& client)
{
  auto stub = v1::WorkflowService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListWorkflowsReply>(client, [&](auto* c, auto* r) {
                    return stub->ListWorkflows(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& w : reply.workflows()) {
    out.push_back(
      { w.id(), fmt::format("v{}, {}", w.latest_version(), w.state()) });
  }
  return out;
}

Result<v1::Workflow>
workflow(const Client& client, const std::string& id)
{
  auto stub = v1::WorkflowService::NewStub(client.channel());
  v1::GetWorkflowRequest request;
  request.set_id(id);
  return call<v1::Workflow>(
    client, [&](auto* c, auto* r) { return stub->GetWorkflow(c, request, r); });
}

Result<std::vector<Candidate>>
workflow_versions(const Client& client, const std::string& id)
{
  RYAX_TRY_ASSIGN(const auto w, workflow(client, id));
  std::vector<Candidate> out;
  for (int v = w.status().latest_version(); v >= 1; --v) {
    out.push_back({ std::to_string(v),
                    v == w.status().deployed_version() ? "deployed" : "" });
  }
  return out;
}

// NAME= of each output of the workflow's trigger (the inputs of a run):
// those of type file or directory when `files`, else the others. Once
// "NAME=" is typed (`typed`), NAME=VALUE for the values an enum or a
// boolean takes.
Result<std::vector<Candidate>>
trigger_inputs(const Client& client, const std::string& id, bool files,
               const std::string& typed)
{
  const auto equals = typed.find('=');
  const auto typed_name = equals == std::string::npos ? "" : typed.substr(0, equals);
  RYAX_TRY_ASSIGN(const auto w, workflow(client, id));
  const auto doc = nlohmann::json::parse(w.document_json(), nullptr, false);
  std::vector<Candidate> out;
  if (!doc.is_object() || !doc.contains("steps") || !doc["steps"].is_array()) {
    return out;
  }
  for (const auto& step : doc["steps"]) {
    if (!step.is_object() || step.value("role", "") != "trigger" ||
        !step.contains("outputs") || !step["outputs"].is_array()) {
      continue;
    }
    for (const auto& output : step["outputs"]) {
      if (!output.is_object()) {
        continue;
      }
      const auto type = output.value("type", "");
      if ((type == "file" || type == "directory") != files) {
        continue;
      }
      const auto help = output.value("help", "");
      const auto name = output.value("name", "");
      if (!typed_name.empty()) {
        if (name != typed_name) {
          continue;
        }
        auto values = type == "boolean" ? std::vector<std::string>{ "true", "false" }
                                        : std::vector<std::string>{};
        if (output.contains("enum_values") && output["enum_values"].is_array()) {
          for (const auto& value : output["enum_values"]) {
            if (value.is_string()) {
              values.push_back(value.get<std::string>());
            }
          }
        }
        for (const auto& value : values) {
          out.push_back({ name + "=" + value, type });
        }
        continue;
      }
      out.push_back(
        { name + "=", output.value("type", "") + (help.empty() ? "" : ": " + help) });
    }
  }
  return out;
}

Result<std::vector<Candidate>>
actions(const Client& client, const std::string& typed)
{
  // "ID:" typed: every version of ID; else the latest version of each id.
  const auto colon = typed.find(':');
  auto stub = v1::ActionService::NewStub(client.channel());
  v1::ListActionsRequest request;
  request.set_all_versions(colon != std::string::npos);
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListActionsReply>(client, [&](auto* c, auto* r) {
                    return stub->ListActions(c, request, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& a : reply.actions()) {
    if (colon == std::string::npos) {
      out.push_back(
        { a.id(), a.human_name().empty() ? a.kind() : a.human_name() });
    } else if (a.id() == typed.substr(0, colon)) {
      out.push_back({ a.id() + ":" + a.version(),
                      fmt::format("{}, {}", a.kind(), a.build_state()) });
    }
  }
  return out;
}

Result<std::vector<Candidate>>
repositories(const Client& client)
{
  auto stub = v1::RepositoryService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(
    const auto reply,
    call<v1::ListRepositoriesReply>(client, [&](auto* c, auto* r) {
      return stub->ListRepositories(c, {}, r);
    }));
  std::vector<Candidate> out;
  for (const auto& repo : reply.repositories()) {
    out.push_back({ repo.name(), repo.url() });
  }
  return out;
}

Result<std::vector<Candidate>>
sites(const Client& client)
{
  auto stub = v1::SiteService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListSitesReply>(client, [&](auto* c, auto* r) {
                    return stub->ListSites(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& site : reply.sites()) {
    out.push_back({ site.name(),
                    fmt::format("{}, {}",
                                site.kind(),
                                site.healthy() ? "healthy" : "unhealthy") });
  }
  return out;
}

Result<std::vector<Candidate>>
deployments(const Client& client)
{
  auto stub = v1::SiteService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListDeploymentsReply>(client, [&](auto* c, auto* r) {
                    return stub->ListDeployments(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& d : reply.deployments()) {
    out.push_back(
      { d.id(), fmt::format("{}, {} replicas", d.state(), d.replicas()) });
  }
  return out;
}

Result<std::vector<Candidate>>
runs(const Client& client)
{
  auto stub = v1::RunService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListRunsReply>(client, [&](auto* c, auto* r) {
                    return stub->ListRuns(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& run : reply.runs()) {
    out.push_back({ run.id(),
                    fmt::format("{} v{}, {}",
                                run.workflow_id(),
                                run.workflow_version(),
                                run.state()) });
  }
  return out;
}

Result<std::vector<Candidate>>
run_steps(const Client& client, const std::string& run_id)
{
  auto stub = v1::RunService::NewStub(client.channel());
  v1::GetRunRequest request;
  request.set_run_id(run_id);
  RYAX_TRY_ASSIGN(const auto run, call<v1::Run>(client, [&](auto* c, auto* r) {
                    return stub->GetRun(c, request, r);
                  }));
  std::vector<Candidate> out;
  std::set<std::string> seen;
  for (const auto& step : run.steps()) {
    if (seen.insert(step.step()).second) {
      out.push_back(
        { step.step(), fmt::format("{}, {}", step.action(), step.state()) });
    }
  }
  return out;
}

Result<std::vector<Candidate>>
projects(const Client& client)
{
  auto stub = v1::IdentityService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListProjectsReply>(client, [&](auto* c, auto* r) {
                    return stub->ListProjects(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& project : reply.projects()) {
    out.push_back({ project.name(), "" });
  }
  return out;
}

Result<std::vector<Candidate>>
variables(const Client& client)
{
  auto stub = v1::VariableService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListVariablesReply>(client, [&](auto* c, auto* r) {
                    return stub->ListVariables(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& variable : reply.variables()) {
    out.push_back({ variable.name(),
                    variable.description().empty() ? variable.type()
                                                   : variable.description() });
  }
  return out;
}

Result<std::vector<Candidate>>
api_keys(const Client& client)
{
  auto stub = v1::ApiKeyService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListApiKeysReply>(client, [&](auto* c, auto* r) {
                    return stub->ListApiKeys(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& key : reply.keys()) {
    if (!key.revoked()) {
      out.push_back({ key.name(), key.prefix() + "..." });
    }
  }
  return out;
}

Result<std::vector<Candidate>>
tokens(const Client& client)
{
  auto stub = v1::IdentityService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListTokensReply>(client, [&](auto* c, auto* r) {
                    return stub->ListTokens(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& token : reply.tokens()) {
    if (!token.revoked()) {
      out.push_back(
        { token.id(), fmt::format("{} ({})", token.name(), token.kind()) });
    }
  }
  return out;
}

Result<std::vector<Candidate>>
users(const Client& client)
{
  auto stub = v1::IdentityService::NewStub(client.channel());
  RYAX_TRY_ASSIGN(const auto reply,
                  call<v1::ListUsersReply>(client, [&](auto* c, auto* r) {
                    return stub->ListUsers(c, {}, r);
                  }));
  std::vector<Candidate> out;
  for (const auto& user : reply.users()) {
    out.push_back({ user.name(), user.role() });
  }
  return out;
}

Result<std::vector<Candidate>>
fetch(const Client& client, ArgumentKind kind, const CommandLine& line)
{
  switch (kind) {
    case ArgumentKind::workflow:
      return workflows(client);
    case ArgumentKind::workflow_version:
      return workflow_versions(client, first_value(line, "id"));
    case ArgumentKind::trigger_input:
      return trigger_inputs(client, first_value(line, "workflow"), false, line.current);
    case ArgumentKind::trigger_file_input:
      return trigger_inputs(client, first_value(line, "workflow"), true, line.current);
    case ArgumentKind::action:
      return actions(client, line.current);
    case ArgumentKind::repository:
      return repositories(client);
    case ArgumentKind::site:
      return sites(client);
    case ArgumentKind::deployment:
      return deployments(client);
    case ArgumentKind::run:
      return runs(client);
    case ArgumentKind::run_step:
      return run_steps(client, first_value(line, "run"));
    case ArgumentKind::project:
      return projects(client);
    case ArgumentKind::variable:
      return variables(client);
    case ArgumentKind::api_key:
      return api_keys(client);
    case ArgumentKind::token:
      return tokens(client);
    case ArgumentKind::user:
      return users(client);
    default:
      return std::vector<Candidate>{};
  }
}

} // namespace

std::vector<Candidate>
daemon_candidates(ArgumentKind kind, const CommandLine& line)
{
  Context ctx;
  ctx.socket = first_value(line, "--socket");
  ctx.server = first_value(line, "--server");
  ctx.ca_file = first_value(line, "--ca-file");
  ctx.project = first_value(line, "--project");
  ctx.no_autostart = true;
  auto client = Client::connect_existing(ctx);
  if (!client) {
    return {};
  }
  auto found = fetch(*client, kind, line);
  return found ? std::move(*found) : std::vector<Candidate>{};
}

} // namespace ryax::cli::completion
