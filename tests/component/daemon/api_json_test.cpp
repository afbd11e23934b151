#include "daemon/http/api_json.hpp"

#include <doctest/doctest.h>

using namespace ryax;
using namespace ryax::daemon::http;
using json = nlohmann::json;

TEST_SUITE_BEGIN("daemon::http::api_json");

TEST_CASE("a JSON body is read into typed fields, bad bodies are refused")
{
  const auto fields = body_fields(R"({"s": "x", "n": 3, "f": 1.5, "b": true, "z": null, "o": {}})");
  REQUIRE(fields);
  CHECK(fields->at("s").kind == app::HttpField::Kind::string);
  CHECK(fields->at("s").text == "x");
  CHECK(fields->at("n").kind == app::HttpField::Kind::number);
  CHECK(fields->at("n").text == "3");
  CHECK(fields->at("f").text == "1.5");
  CHECK(fields->at("b").text == "true");
  CHECK(fields->at("z").kind == app::HttpField::Kind::null);
  CHECK(fields->at("o").kind == app::HttpField::Kind::other);
  CHECK(body_fields("[1]").error().message.find("JSON array") != std::string::npos);
  CHECK(body_fields("{").error().message.find("not JSON") != std::string::npos);
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  CHECK(body_fields("{\"a\": " + deep + "}").error().message.find("deeper") !=
        std::string::npos);
}

TEST_CASE("a body with a number beyond a double is refused not thrown")
{
  // Found by tests/fuzz/http_request.cpp: nlohmann throws out_of_range (406),
  // not parse_error, and the call ended in a 500.
  const auto big = body_fields(R"({"n": 1e400})");
  REQUIRE_FALSE(big);
  CHECK(big.error().code == ryax::ErrorCode::invalid_argument);
  CHECK(big.error().message.find("number out of range") != std::string::npos);
}

TEST_CASE("a reply echoing text that is not UTF-8 is still written")
{
  const auto text = reply_text(nlohmann::json{ { "error", "project \"\xFF\"" } });
  CHECK(text == "{\"error\":\"project \\\"\xEF\xBF\xBD\\\"\"}");
}

TEST_CASE("cookies are split at each semicolon and unquoted")
{
  const auto cookies = parse_cookies("a=1; b=\"two\";c=3=3");
  CHECK(cookies.at("a") == "1");
  CHECK(cookies.at("b") == "two");
  CHECK(cookies.at("c") == "3=3");
}

TEST_CASE("the OpenAPI document has one operation per endpoint, fields by origin")
{
  app::ApiEndpointView view;
  view.workflow_id = "greet";
  view.endpoint.path = "/greet/{name}";
  view.endpoint.method = "POST";
  view.endpoint.success_code = 201;
  view.endpoint.tags = { "people" };
  domain::IoSpec name;
  name.name = "name";
  name.origin = "path";
  domain::IoSpec n;
  n.name = "n";
  n.type = domain::IoType::integer;
  n.origin = "body";
  view.endpoint.fields = { name, n };
  view.results = { "text" };
  const auto doc = openapi_document("p1", { view }, "http://h:1");
  CHECK(doc["servers"][0]["url"] == "http://h:1/user-api/p1");
  const auto& op = doc["paths"]["/greet/{name}"]["post"];
  CHECK(op["operationId"] == "greet");
  CHECK(op["parameters"][0]["in"] == "path");
  CHECK(op["parameters"][0]["required"] == true);
  CHECK(op["requestBody"]["content"]["application/json"]["schema"]["properties"]["n"]["type"] ==
        "integer");
  CHECK(op["responses"].contains("201"));
  CHECK(op["responses"].contains("202"));
}

TEST_CASE("replies: results by key, a result link, or an error naming the field")
{
  app::ApiReply accepted;
  accepted.status = 202;
  accepted.run_id = "r1";
  CHECK(reply_body(accepted, "http://h") ==
        json{ { "workflow_run_id", "r1" }, { "result_link", "http://h/runner/results/r1" } });
  app::ApiReply refused;
  refused.status = 400;
  refused.error = "field \"n\" is missing";
  refused.field = "n";
  CHECK(reply_body(refused, "")["field"] == "n");
  app::ApiReply done;
  done.status = 200;
  done.run.emplace();
  domain::RunResult one{ "y", { domain::Value{ std::int64_t{ 4 } } }, false };
  domain::RunResult many{ "z", { domain::Value{ std::string("a") }, domain::Value{} }, true };
  done.run->results = { one, many };
  CHECK(reply_body(done, "") == json{ { "y", 4 }, { "z", json{ "a", nullptr } } });
}

TEST_SUITE_END();
