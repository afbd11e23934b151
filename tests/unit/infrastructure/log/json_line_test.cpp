#include "core/infrastructure/log/json_line.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace ryax::infra::log;

TEST_SUITE_BEGIN("infra::log::json_line");

TEST_CASE("a line has time level component and message in that order")
{
  const auto line = json_line("2026-12-01T04:09:37.123Z", "info", "ryaxd 0.1.0 serving");
  CHECK(line
        == R"({"time":"2026-12-01T04:09:37.123Z","level":"info","component":"ryaxd",)"
           R"("message":"ryaxd 0.1.0 serving"})");
}

TEST_CASE("a run line names the run component and carries the run id")
{
  const auto doc = nlohmann::json::parse(
    json_line("t", "info", "run run-7f3a2 of workflow quickstart version 1 started"));
  CHECK(doc["component"] == "run");
  CHECK(doc["run"] == "run-7f3a2");
  CHECK(doc["workflow"] == "quickstart");
}

TEST_CASE("a prefix before a colon is the component")
{
  auto fields = describe_message("run history: 3 run(s) written in 40 us");
  CHECK(fields.component == "run history");
  CHECK(fields.fields.empty()); // "history" is not a run id
  fields = describe_message("housekeeping: unknown exception");
  CHECK(fields.component == "housekeeping");
  fields = describe_message("workflow wf-1: step resize could not be warmed: boom");
  CHECK(fields.component == "workflow");
  REQUIRE(fields.fields.size() == 2);
  CHECK(fields.fields[0] == std::pair<std::string, std::string>{"workflow", "wf-1"});
  CHECK(fields.fields[1] == std::pair<std::string, std::string>{"step", "resize"});
}

TEST_CASE("a gRPC call line is the grpc component with its method")
{
  auto fields = describe_message("StartRun ok in 120 us");
  CHECK(fields.component == "grpc");
  REQUIRE(fields.fields.size() == 1);
  CHECK(fields.fields[0].second == "StartRun");
  fields = describe_message("ListRuns: internal error: boom");
  CHECK(fields.component == "grpc");
}

TEST_CASE("a message of unknown shape is the ryaxd component")
{
  CHECK(describe_message("received SIGTERM, shutting down").component == "ryaxd");
  CHECK(describe_message("").component == "ryaxd");
  CHECK(describe_message("TLS on 0.0.0.0:1: CA").component == "ryaxd");
}

TEST_CASE("quotes control characters and invalid UTF-8 stay one valid JSON line")
{
  const auto line = json_line("t", "error", std::string("a \"q\"\nb\xff"));
  CHECK(line.find('\n') == std::string::npos);
  const auto doc = nlohmann::json::parse(line);
  CHECK(doc["message"].get<std::string>().starts_with("a \"q\"\nb"));
}

TEST_CASE("times are RFC 3339 UTC with milliseconds")
{
  CHECK(rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(rfc3339_ms(1764562177123) == "2025-12-01T04:09:37.123Z");
}

TEST_SUITE_END();
