// What the main daemon and a worker exchange about an execution, as JSON.

#include "core/infrastructure/json/agent_json.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::infra::json;

TEST_SUITE_BEGIN("infra::json: agent");

TEST_CASE("a runtime spec survives the trip to a worker")
{
  app::RuntimeSpec spec;
  spec.workflow_id = "wf";
  spec.step_id = "s1";
  spec.action.metadata.id = "fibo";
  spec.action.metadata.version = "1.0";
  spec.action.metadata.human_name = "Fibo";
  spec.action.project = "p";
  spec.action.repository = "repo";
  spec.action.commit = std::string(40, 'a');
  spec.action.tree_id = std::string(40, 'b');
  spec.action.bundle_key = "key123";
  spec.time_limit_seconds = 60;
  spec.memory_limit_bytes = 1 << 30;
  spec.cpu_quota = 1.5;
  spec.max_replicas = 3;
  spec.idle_timeout = std::chrono::seconds(42);
  auto back = runtime_spec_from_json(
                nlohmann::json::parse(runtime_spec_to_json(spec).dump()))
                .value();
  CHECK(back.key() == spec.key());
  CHECK(back.deployment_id() == spec.deployment_id());
  CHECK(back.action.metadata.human_name == "Fibo");
  CHECK(back.max_replicas == 3);
  CHECK(back.idle_timeout == std::chrono::seconds(42));
  CHECK(runtime_spec_from_json(nlohmann::json::object()).error().code
        == ErrorCode::invalid_argument);
}

TEST_CASE("values keep their secrets across the link, outcomes their kind")
{
  domain::Values values{ { "n", std::int64_t{ 9007199254740993 } },
                         { "pw", domain::Secret{ "hunter2" } },
                         { "f", domain::FileRef{ "abc/data.csv" } },
                         { "x", 0.5 },
                         { "none", std::monostate{} } };
  const auto wire = values_to_wire(values);
  CHECK(wire["pw"]["secret"] == "hunter2");
  CHECK(values_from_wire(nlohmann::json::parse(wire.dump())).value() == values);
  CHECK(values_from_wire(nlohmann::json::array()).error().code
        == ErrorCode::invalid_argument);

  const domain::StepOutcome outputs{ values };
  CHECK(std::get<domain::Outputs>(outcome_from_json(outcome_to_json(outputs)).value())
        == values);
  domain::FanOut fan;
  fan.sets = { { { "i", std::int64_t{ 0 } } }, { { "i", std::int64_t{ 1 } } } };
  const auto fanned =
    std::get<domain::FanOut>(outcome_from_json(outcome_to_json(fan)).value());
  CHECK(fanned.sets == fan.sets);
  const domain::StepError error{ "user_exception", "boom", 0, "Traceback" };
  const auto failed = std::get<domain::StepError>(
    outcome_from_json(outcome_to_json(error)).value());
  CHECK(failed.kind == "user_exception");
  CHECK(failed.traceback == "Traceback");
  CHECK(outcome_from_json(nlohmann::json::object()).error().code
        == ErrorCode::invalid_argument);
}

TEST_SUITE_END();
