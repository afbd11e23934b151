#include "core/domain/http_trigger.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::domain;

namespace {

IoSpec
field(std::string name, IoType type, std::string origin = "")
{
  IoSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.origin = std::move(origin);
  return spec;
}

WorkflowStep
api(std::map<std::string, Binding> inputs, std::vector<IoSpec> outputs = {})
{
  WorkflowStep step;
  step.id = "start";
  step.from = "httpapijson";
  step.inputs_values = std::move(inputs);
  step.outputs = std::move(outputs);
  return step;
}

std::string
first_problem(const WorkflowStep& step)
{
  const auto problems = http_problems(step);
  return problems.empty() ? "" : problems.front().field + ": " + problems.front().message;
}

} // namespace

TEST_SUITE_BEGIN("domain::HttpTrigger");

TEST_CASE("an httpapijson trigger reads its path, method, code, timeout and tags")
{
  const auto step = api({ { "path", Scalar{ std::string("/users/{id}/orders") } },
                          { "method", Scalar{ std::string("put") } },
                          { "success_code", Scalar{ std::int64_t{ 201 } } },
                          { "timeout", Scalar{ 0.5 } },
                          { "tags", Scalar{ std::string(" a, b ,,c") } } },
                        { field("id", IoType::integer, "path"),
                          field("note", IoType::string) });
  CHECK(http_problems(step).empty());
  const auto endpoint = http_endpoint(step);
  REQUIRE(endpoint);
  CHECK(endpoint->method == "PUT");
  CHECK(endpoint->success_code == 201);
  CHECK(endpoint->timeout_s == 0.5);
  CHECK(endpoint->tags == std::vector<std::string>{ "a", "b", "c" });
  REQUIRE(endpoint->segments.size() == 3);
  CHECK(endpoint->segments[1].parameter);
  CHECK(endpoint->fields[1].origin == "body"); // the default
  CHECK(is_http_trigger("httpapijson"));
  CHECK(is_http_trigger("postgw"));
  CHECK_FALSE(is_http_trigger("manual"));
  REQUIRE(builtin_trigger("httpapijson"));
  CHECK(builtin_trigger("postgw")->dynamic_outputs);
}

TEST_CASE("bad httpapijson triggers are refused naming the input or output")
{
  const auto path = [](std::string p) {
    return api({ { "path", Scalar{ std::move(p) } } });
  };
  CHECK(first_problem(api({})).find("inputs_values.path") == 0);
  CHECK(first_problem(path("users")).find("must start with") != std::string::npos);
  CHECK(first_problem(path("/")).find("at least one segment") != std::string::npos);
  CHECK(first_problem(path("/a//b")).find("empty") != std::string::npos);
  CHECK(first_problem(path("/a/../b")).find("\"..\"") != std::string::npos);
  CHECK(first_problem(path("/a/{x")).find("parameter") != std::string::npos);
  CHECK(first_problem(path("/a b")).find("escape") != std::string::npos);
  CHECK(first_problem(path("/" + std::string(600, 'a'))).find("longer") !=
        std::string::npos);
  // A parameter needs an output of origin path, and the reverse.
  CHECK(first_problem(path("/u/{id}")).find("not an output") != std::string::npos);
  CHECK(first_problem(api({ { "path", Scalar{ std::string("/u") } } },
                          { field("id", IoType::string, "path") }))
          .find("has no {id}") != std::string::npos);
  CHECK(first_problem(api({ { "path", Scalar{ std::string("/u/{id}") } } },
                          { field("id", IoType::string, "query") }))
          .find("must be \"path\"") != std::string::npos);
  CHECK(first_problem(api({ { "path", Scalar{ std::string("/u/{a}/{a}") } } }))
          .find("twice") != std::string::npos);
  CHECK(first_problem(api({ { "path", Scalar{ std::string("/u") } },
                            { "method", Scalar{ std::string("TRACE") } } }))
          .find("inputs_values.method") == 0);
  CHECK(first_problem(api({ { "path", Scalar{ std::string("/u") } },
                            { "success_code", Scalar{ std::int64_t{ 204 } } } }))
          .find("200 or 201") != std::string::npos);
  // A GET has no body; a JSON request carries no file.
  CHECK(first_problem(api({ { "path", Scalar{ std::string("/u") } },
                            { "method", Scalar{ std::string("GET") } } },
                          { field("q", IoType::string) }))
          .find("origin to \"query\"") != std::string::npos);
  CHECK(first_problem(api({ { "path", Scalar{ std::string("/u") } } },
                          { field("f", IoType::file) }))
          .find("carries no file") != std::string::npos);
  // Only httpapijson outputs have an origin.
  WorkflowStep portal;
  portal.from = "postgw";
  portal.outputs = { field("f", IoType::file, "query") };
  CHECK(first_problem(portal).find("outputs[0].origin") == 0);
}

TEST_CASE("a templated path matches whole segments and decodes parameters")
{
  const auto endpoint = http_endpoint(
    api({ { "path", Scalar{ std::string("/users/{id}/orders") } } },
        { field("id", IoType::string, "path") }));
  REQUIRE(endpoint);
  const auto matched = match_path(*endpoint, "/users/al%20ice/orders");
  REQUIRE(matched);
  CHECK(matched->at("id") == "al ice");
  CHECK(match_path(*endpoint, "/users/a%2Fb/orders")->at("id") == "a/b");
  CHECK_FALSE(match_path(*endpoint, "/users//orders"));
  CHECK_FALSE(match_path(*endpoint, "/users/1/orders/"));
  CHECK_FALSE(match_path(*endpoint, "/users/1"));
  CHECK_FALSE(match_path(*endpoint, "/users/1/orders/2"));
  CHECK_FALSE(match_path(*endpoint, "/Users/1/orders"));
  CHECK_FALSE(match_path(*endpoint, "/users/%zz/orders"));
  CHECK_FALSE(match_path(*endpoint, "/users/%00/orders"));
  CHECK_FALSE(match_path(*endpoint, "users/1/orders"));
  CHECK(percent_decode("%41b%2f") == "Ab/");
  CHECK_FALSE(percent_decode("%4"));
}

TEST_SUITE_END();
