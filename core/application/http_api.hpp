#pragma once

#include "core/application/ports/run_staging.hpp"
#include "core/application/ports/workflow_store.hpp"
#include "core/application/run_service.hpp"
#include "core/application/workflow_service.hpp"
#include "core/domain/http_trigger.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ryax::app {

// One value of a request as the transport read it: JSON body members keep
// their JSON kind (so that 3 is refused for a string field); path, query,
// header and cookie values are strings.
struct HttpField
{
  enum class Kind
  {
    string,
    number,
    boolean,
    null,
    other, // an object or an array
  };
  Kind kind = Kind::string;
  std::string text; // the string, or the number's or boolean's JSON text
};

// A request to a project's HTTP API (/user-api/PROJECT/...), decoded.
struct ApiRequest
{
  std::string project;
  std::string method; // upper case
  std::string path;   // under /user-api/PROJECT, from "/", no query
  std::map<std::string, std::string> query;   // decoded
  std::map<std::string, std::string> headers; // names in lower case
  std::map<std::string, std::string> cookies;
  // The members of the JSON object body; nullopt when there is no body.
  std::optional<std::map<std::string, HttpField>> body;
  std::string api_key; // X-API-Key or Authorization: Bearer; "" for none
};

// What to answer. The transport writes `results` (when `run` is set and
// the status is a success), a result link (202), or {"error", "field"}.
struct ApiReply
{
  int status = 500;
  std::optional<RunView> run; // a finished run whose results are the reply
  std::string run_id;         // the run started (202, 201 of postgw)
  std::string error;          // the message of an error reply
  std::string field;          // the request field at fault, if any
};

// A deployed endpoint, for the project's OpenAPI document.
struct ApiEndpointView
{
  std::string workflow_id;
  std::string workflow_name;
  domain::HttpEndpoint endpoint;
  std::vector<std::string> results; // the workflow's result keys
};

// Checks the API key of a request to `project`: ok, or unauthenticated.
using ApiKeyCheck =
  std::function<Result<void>(const std::string& project, std::string_view key)>;

// Serves the HTTP triggers of deployed workflows: each "httpapijson"
// trigger is an endpoint of its project's API, each "postgw" trigger a
// portal. Told of deployments like TriggerService; start() reads the
// deployed ones at daemon start. A run starts as `ryax run` starts one
// (RunService::start_run, by_trigger), persisted before the reply.
class HttpApi final : public DeploymentListener
{
public:
  HttpApi(WorkflowStore& workflows,
          WorkflowFormat& format,
          RunService& runs,
          ApiKeyCheck check_key);

  // Take every deployed workflow with an HTTP trigger. internal when the
  // deployed workflows cannot be read.
  Result<void> start();

  // Stop waiting for runs: calls waiting reply 202 (503 for a wait
  // forever) at once. Idempotent.
  void stop();

  void deployed(const WorkflowDeployment& deployment) override;
  void undeployed(const std::string& project, const std::string& id) override;

  // A call to the API of `request.project`: 401 without a valid key when
  // the project requires keys; 404 for no endpoint at that path, 405 for
  // one with another method; 400 naming the field for a missing, mistyped
  // or unknown field (nothing is started); 503 when the runner refuses
  // the run for now; the endpoint's success code with the finished run,
  // 202 with its id when it did not finish within the endpoint's timeout,
  // or the run's error (see reply_of_finished).
  ApiReply call(const ApiRequest& request);

  // The result link of run `run_id`: 200 with the finished run, 503 while
  // it goes, 422 (or a RyaxException's code) when it failed or was
  // cancelled, 404 when unknown; 401 without a valid key of its project
  // when that project requires keys.
  ApiReply result(const std::string& run_id, std::string_view api_key);

  // The fields of portal `workflow_id` of `project` ("postgw"): 404
  // when not deployed with that trigger.
  Result<std::vector<domain::IoSpec>> portal(const std::string& project,
                                             const std::string& workflow_id,
                                             std::string_view api_key);

  // A post to the portal: 201 with the run id, or an error as call().
  ApiReply post(const std::string& project,
                const std::string& workflow_id,
                const std::map<std::string, std::string>& values,
                const std::vector<Upload>& files,
                std::string_view api_key);

  // The deployed endpoints of `project`, by path then method.
  std::vector<ApiEndpointView> endpoints(const std::string& project);

  // Whether `api_key` opens `project`'s API (for the OpenAPI document).
  Result<void> authorize(const std::string& project, std::string_view key)
  {
    return m_check_key(project, key);
  }

private:
  using Key = std::pair<std::string, std::string>; // project, workflow id

  struct Served
  {
    std::string trigger; // "httpapijson" or "postgw"
    ApiEndpointView view;
    int max_concurrent_runs = 0; // 0: no limit
  };

  void add(const WorkflowDeployment& deployment);
  // The portal `workflow_id` of `project`, once the key is checked.
  Result<Served> find_portal(const std::string& project,
                             const std::string& workflow_id,
                             std::string_view api_key);
  // 429 when workflow `key` has max_concurrent_runs runs going.
  std::optional<ApiReply> over_limit(const Key& key, int max_concurrent_runs);
  ApiReply start_and_wait(const StartRunRequest& request,
                          double timeout_s,
                          int success_code);

  WorkflowStore& m_workflows;
  WorkflowFormat& m_format;
  RunService& m_runs;
  ApiKeyCheck m_check_key;
  std::mutex m_mutex;
  std::map<Key, Served> m_served;
  std::atomic<bool> m_stopping{ false };
};

// The reply for finished run `view`: `success_code` with its results when
// done; the code of a RyaxException (400 to 599) and its message when a
// step raised one; else 422 with the run's error.
ApiReply reply_of_finished(const RunView& view, int success_code);

} // namespace ryax::app
