// HTTP triggers on a real ryaxd: HTTP API JSON endpoints, their OpenAPI
// document, result links and postgw portals, driven by a real HTTP client.

#include "tests/integration/http_helpers.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <future>
#include <thread>

using namespace ryax::test;

TEST_SUITE_BEGIN("integration: http api");

TEST_CASE("an HTTP API JSON endpoint replies with the results, or 202 then its result link")
{
  RunFixture f({ "echo", "sleeper" }, "http_max_body: 2048\n");
  deploy_http(f,
              "greet",
              "      path: /greet/{name}\n"
              "      summary: Greet someone\n"
              "      tags: people, demo\n",
              "    - {name: name, type: string, origin: path}\n"
              "    - {name: n, type: integer}\n"
              "    - {name: who, type: string, origin: header, optional: true}\n",
              "  - id: say\n    from: echo\n    inputs_values:\n"
              "      name: \"{{ start.name }}\"\n      n: \"{{ start.n }}\"\n",
              "  - {key: text, value: \"{{ say.text }}\"}\n");
  auto client = http_client(f);

  // Synchronous: the run finishes within the timeout, its results reply.
  auto reply = client.Post("/user-api/default/greet/al%20ice", R"({"n": 3})",
                           "application/json");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(json::parse(reply->body) == json{ { "text", "al ice:3" } });

  // Bad input: each refused with a 4xx naming the field; no run started.
  const auto runs_before = run_count(f, "greet");
  const auto refused = [&](const std::string& path,
                           const std::string& body,
                           int status) {
    auto r = client.Post(path, body, "application/json");
    REQUIRE(r);
    INFO(path, " ", body, " -> ", r->body);
    CHECK(r->status == status);
    return json::parse(r->body);
  };
  CHECK(refused("/user-api/default/greet/bob", "{}", 400)["field"] == "n");
  CHECK(refused("/user-api/default/greet/bob", R"({"n": "three"})", 400)["field"] ==
        "n");
  CHECK(refused("/user-api/default/greet/bob", R"({"n": 1, "x": 2})", 400)["field"] ==
        "x");
  CHECK(refused("/user-api/default/greet/bob", "{\"n\": ", 400)["error"]
          .get<std::string>()
          .find("not JSON") != std::string::npos);
  CHECK(refused("/user-api/default/greet/bob", "[1]", 400)["error"]
          .get<std::string>()
          .find("JSON object") != std::string::npos);
  CHECK(refused("/user-api/default/nowhere", "{}", 404)["error"]
          .get<std::string>()
          .find("no endpoint") != std::string::npos);
  auto wrong_method = client.Put("/user-api/default/greet/bob", "{}", "application/json");
  REQUIRE(wrong_method);
  CHECK(wrong_method->status == 405);
  CHECK(refused("/nothing/here", "{}", 404)["error"].get<std::string>().find(
          "no route") != std::string::npos);
  const std::string big(4096, ' ');
  CHECK(refused("/user-api/default/greet/bob", big, 413)["error"]
          .get<std::string>()
          .find("http_max_body") != std::string::npos);
  CHECK(run_count(f, "greet") == runs_before);

  // Asynchronous: timeout 0 replies 202 at once; the link gives 503, then
  // the results.
  deploy_http(f,
              "slow",
              "      path: /slow\n      timeout: 0\n      success_code: 201\n",
              "    - {name: seconds, type: float}\n",
              "  - id: nap\n    from: sleeper\n    inputs_values:\n"
              "      seconds: \"{{ start.seconds }}\"\n",
              "  - {key: done, value: \"{{ nap.done }}\"}\n",
              "  max_concurrent_runs: 1\n");
  auto accepted = client.Post("/user-api/default/slow", R"({"seconds": 1.0})",
                              "application/json");
  REQUIRE(accepted);
  REQUIRE(accepted->status == 202);
  // One run going, the most it takes: the next request is turned away.
  auto busy = client.Post("/user-api/default/slow", R"({"seconds": 1.0})",
                          "application/json");
  REQUIRE(busy);
  CHECK(busy->status == 429);
  CHECK(busy->body.find("max_concurrent_runs") != std::string::npos);
  const auto link = json::parse(accepted->body);
  const auto run_id = link["workflow_run_id"].get<std::string>();
  const auto result_path = path_of(link["result_link"].get<std::string>());
  CHECK(result_path == "/runner/results/" + run_id);
  auto pending = client.Get(result_path);
  REQUIRE(pending);
  CHECK(pending->status == 503);
  json results;
  REQUIRE(eventually([&] {
    auto polled = client.Get(result_path);
    if (polled && polled->status == 200) {
      results = json::parse(polled->body);
      return true;
    }
    return false;
  }));
  CHECK(results == json{ { "done", true } });
  auto unknown = client.Get("/runner/results/no-such-run");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);

  // `workflow show` says where it serves; a second workflow on the same
  // method and path is refused, with the reason in its trigger.
  const auto shown =
    json::parse(f.require_ok({ "workflow", "show", "greet", "-o", "json" }).out);
  CHECK(shown["http_endpoint"] == "POST /user-api/default/greet/{name}");
  deploy_http(f,
              "twin",
              "      path: /greet/{name}\n",
              "    - {name: name, type: string, origin: path}\n"
              "    - {name: n, type: integer}\n",
              "  - id: say\n    from: echo\n    inputs_values:\n"
              "      name: \"{{ start.name }}\"\n      n: \"{{ start.n }}\"\n",
              "  - {key: text, value: \"{{ say.text }}\"}\n");
  const auto twin = f.require_ok({ "workflow", "show", "twin" }).out;
  CHECK(twin.find("stopped: POST /greet/{name} is served by workflow \"greet\"") !=
        std::string::npos);

  // The OpenAPI document lists both endpoints; undeployed, one is gone.
  auto doc = json::parse(client.Get("/user-api/default/openapi.json")->body);
  CHECK(doc["openapi"] == "3.0.3");
  CHECK(doc["paths"].contains("/greet/{name}"));
  CHECK(doc["paths"]["/greet/{name}"]["post"]["tags"] == json{ "people", "demo" });
  CHECK(doc["paths"]["/slow"]["post"]["responses"].contains("201"));
  check_openapi(f, doc);
  f.require_ok({ "workflow", "undeploy", "slow" });
  doc = json::parse(client.Get("/user-api/default/openapi.json")->body);
  CHECK(doc["paths"].contains("/greet/{name}"));
  CHECK_FALSE(doc["paths"].contains("/slow"));
  auto gone = client.Post("/user-api/default/slow", R"({"seconds": 1.0})",
                          "application/json");
  REQUIRE(gone);
  CHECK(gone->status == 404);
}

TEST_CASE("a project name that is not UTF-8 gets a JSON reply naming it, not a 500")
{
  // Found by tests/fuzz/http_request.cpp: the reply echoes the project, and
  // writing invalid UTF-8 as JSON threw (500 "internal error").
  RunFixture f({ "echo" });
  auto client = http_client(f);
  auto missing = client.Post("/user-api/%FF/x", "{}", "application/json");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(json::parse(missing->body)["error"].get<std::string>().find("\xEF\xBF\xBD") !=
        std::string::npos);
  auto doc = client.Get("/user-api/%FF/openapi.json");
  REQUIRE(doc);
  CHECK(doc->status == 200);
  CHECK(json::parse(doc->body)["openapi"] == "3.0.3");
}

TEST_CASE("a RyaxException raised by a step gives its HTTP status, in the reply and the result link")
{
  RunFixture f({ "teapot" });
  deploy_http(f,
              "tea",
              "      path: /tea\n      method: GET\n",
              "    - {name: x, type: integer, origin: query}\n",
              "  - id: brew\n    from: teapot\n    inputs_values:\n"
              "      x: \"{{ start.x }}\"\n",
              "  - {key: y, value: \"{{ brew.y }}\"}\n");
  auto client = http_client(f);
  auto fine = client.Get("/user-api/default/tea?x=21");
  REQUIRE(fine);
  CHECK(fine->status == 200);
  CHECK(json::parse(fine->body) == json{ { "y", 42 } });
  auto teapot = client.Get("/user-api/default/tea?x=-1");
  REQUIRE(teapot);
  CHECK(teapot->status == 418);
  const auto body = json::parse(teapot->body);
  CHECK(body["error"] == "no tea for -1");
  auto again = client.Get("/runner/results/" + body["workflow_run_id"].get<std::string>());
  REQUIRE(again);
  CHECK(again->status == 418);
  // A query value that is not an integer: 400 naming the field.
  auto bad = client.Get("/user-api/default/tea?x=many");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(bad->body.find("x") != std::string::npos);
}

TEST_CASE("a postgw portal shows its fields and starts a run from a multipart POST with a file part")
{
  RunFixture f({ "cat" });
  const auto path = f.daemon.dir() / "portal.yaml";
  std::ofstream(path)
    << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: drop\n"
       "  trigger:\n    id: start\n    from: postgw\n    outputs:\n"
       "    - {name: f, type: file}\n    - {name: label, type: string}\n"
       "  actions:\n  - id: read\n    from: cat\n    inputs_values:\n"
       "      f: \"{{ start.f }}\"\n      label: \"{{ start.label }}\"\n"
       "  results:\n  - {key: text, value: \"{{ read.text }}\"}\n";
  f.require_ok({ "workflow", "push", path, "--deploy" });
  auto client = http_client(f);
  auto fields = client.Get("/portal/default/drop");
  REQUIRE(fields);
  CHECK(fields->status == 200);
  const auto doc = json::parse(fields->body);
  REQUIRE(doc["fields"].size() == 2);
  CHECK(doc["fields"][0]["name"] == "f");
  CHECK(doc["fields"][0]["type"] == "file");

  httplib::MultipartFormDataItems items = {
    { "f", "hello from a file", "note.txt", "text/plain" },
    { "label", "L", "", "" },
  };
  auto posted = client.Post("/portal/default/drop", items);
  REQUIRE(posted);
  REQUIRE(posted->status == 201);
  const auto run_id = json::parse(posted->body)["workflow_run_id"].get<std::string>();
  json done;
  REQUIRE(eventually([&] {
    done = f.show(run_id);
    return done["state"] == "done";
  }));
  CHECK(RunFixture::result(done, "text") == "L=hello from a file");

  // A missing field and an unknown one are refused; an unknown portal 404.
  auto missing = client.Post("/portal/default/drop",
                             httplib::MultipartFormDataItems{ { "label", "L", "", "" } });
  REQUIRE(missing);
  CHECK(missing->status == 400);
  auto unknown_field = client.Post(
    "/portal/default/drop",
    httplib::MultipartFormDataItems{ { "nope", "1", "", "" } });
  REQUIRE(unknown_field);
  CHECK(unknown_field->status == 400);
  auto no_portal = client.Get("/portal/default/other");
  REQUIRE(no_portal);
  CHECK(no_portal->status == 404);
}

TEST_CASE("kill -9 of ryaxd while an HTTP client waits: after restart the run completes and its result link works")
{
  RunFixture f({ "sleeper" });
  deploy_http(f,
              "nap",
              "      path: /nap\n      timeout: -1\n",
              "    - {name: seconds, type: float}\n",
              "  - id: nap\n    from: sleeper\n    inputs_values:\n"
              "      seconds: \"{{ start.seconds }}\"\n",
              "  - {key: done, value: \"{{ nap.done }}\"}\n");
  auto waiting = std::async(std::launch::async, [&] {
    auto client = http_client(f);
    client.set_read_timeout(60, 0);
    auto reply = client.Post("/user-api/default/nap", R"({"seconds": 1.5})",
                             "application/json");
    return reply ? reply->status : -1;
  });
  REQUIRE(eventually([&] { return run_count(f, "nap") == 1; }));
  f.daemon.process()->signal(SIGKILL);
  REQUIRE(f.daemon.process()->wait(std::chrono::seconds(10)).has_value());
  CHECK(waiting.get() == -1); // the connection ended without a reply
  f.daemon.start();
  const auto listed = json::parse(
    f.require_ok({ "runs", "list", "--workflow", "nap", "-o", "json" }).out);
  REQUIRE(listed.size() == 1);
  const auto run_id = listed[0]["id"].get<std::string>();
  auto client = http_client(f);
  json results;
  REQUIRE(eventually(
    [&] {
      auto polled = client.Get("/runner/results/" + run_id);
      if (polled && polled->status == 200) {
        results = json::parse(polled->body);
        return true;
      }
      return false;
    },
    std::chrono::seconds(60)));
  CHECK(results == json{ { "done", true } });
}


TEST_CASE("a project that requires API keys answers 401 without a valid X-API-Key or Bearer key")
{
  RunFixture f({ "teapot" });
  deploy_http(f,
              "tea",
              "      path: /tea\n      method: GET\n      timeout: 0\n",
              "    - {name: x, type: integer, origin: query}\n",
              "  - id: brew\n    from: teapot\n    inputs_values:\n"
              "      x: \"{{ start.x }}\"\n",
              "  - {key: y, value: \"{{ brew.y }}\"}\n");
  auto client = http_client(f);
  auto open = client.Get("/user-api/default/tea?x=1");
  REQUIRE(open);
  CHECK(open->status == 202);
  const auto run_id = json::parse(open->body)["workflow_run_id"].get<std::string>();

  const auto key = f.require_ok({ "apikey", "create", "ci" }).out;
  const std::string secret = key.substr(0, key.find('\n'));
  REQUIRE(secret.starts_with("ryax_ak_"));
  const auto status_of = [&](const httplib::Headers& headers, const std::string& path) {
    auto reply = client.Get(path, headers);
    REQUIRE(reply);
    if (reply->status == 401) {
      CHECK(json::parse(reply->body)["error"].get<std::string>().find("API key") !=
            std::string::npos);
    }
    return reply->status;
  };
  const auto before = run_count(f, "tea");
  CHECK(status_of({}, "/user-api/default/tea?x=1") == 401);
  CHECK(status_of({ { "X-API-Key", "ryax_ak_wrong" } }, "/user-api/default/tea?x=1") == 401);
  CHECK(status_of({}, "/user-api/default/openapi.json") == 401);
  CHECK(status_of({}, "/runner/results/" + run_id) == 401);
  CHECK(run_count(f, "tea") == before);
  CHECK(status_of({ { "X-API-Key", secret } }, "/user-api/default/tea?x=1") == 202);
  CHECK(status_of({ { "Authorization", "Bearer " + secret } }, "/user-api/default/openapi.json") == 200);
  CHECK(status_of({ { "X-API-Key", secret } }, "/runner/results/" + run_id) != 401);

  // Revoked: refused again; keys no longer required: open again.
  f.require_ok({ "apikey", "revoke", "ci" });
  CHECK(status_of({ { "X-API-Key", secret } }, "/user-api/default/tea?x=1") == 401);
  f.require_ok({ "apikey", "require", "off" });
  CHECK(status_of({}, "/user-api/default/tea?x=1") == 202);
}


TEST_CASE("http_listen on an address that is not loopback serves HTTPS with the daemon's certificate")
{
  // 0.0.0.0 is not a loopback address: TLS, reached here through 127.0.0.1.
  DaemonFixture d(false);
  d.start({}, { { "RYAX_HTTP_LISTEN", "0.0.0.0:0" } });
  const auto status =
    json::parse(d.ryax({ "daemon", "status", "-o", "json" }).out);
  const auto url = status.value("http_url", std::string());
  REQUIRE(url.starts_with("https://0.0.0.0:"));
  const int port = std::stoi(url.substr(url.rfind(':') + 1));
  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path((d.home() + "/tls/ca.pem").c_str());
  client.enable_server_certificate_verification(true);
  auto reply = client.Get("/user-api/default/openapi.json");
  REQUIRE_MESSAGE(reply, httplib::to_string(reply.error()));
  CHECK(reply->status == 200);
  CHECK(json::parse(reply->body)["openapi"] == "3.0.3");
  // Plain HTTP on the TLS port gets no answer.
  httplib::Client plain("127.0.0.1", port);
  plain.set_read_timeout(3, 0);
  auto refused = plain.Get("/user-api/default/openapi.json");
  CHECK((!refused || refused->status != 200));
}

TEST_SUITE_END();
