#pragma once

// Helpers of the HTTP trigger tests: deploy an "httpapijson" workflow, an
// HTTP client to the daemon's http_url, and the OpenAPI validator.

#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <fstream>
#include <string>

namespace ryax::test {

// Push and deploy workflow `id` triggered by "httpapijson" with
// `inputs_lines` (under inputs_values), `outputs_lines`, `actions` and
// `results` (YAML list items), then `spec_lines` (keys of spec).
inline void
deploy_http(const RunFixture& f,
            const std::string& id,
            const std::string& inputs_lines,
            const std::string& outputs_lines,
            const std::string& actions,
            const std::string& results,
            const std::string& spec_lines = "")
{
  const auto path = f.daemon.dir() / (id + ".yaml");
  std::ofstream(path) << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
                         "  id: "
                      << id
                      << "\n  trigger:\n    id: start\n    from: httpapijson\n"
                         "    inputs_values:\n"
                      << inputs_lines << "    outputs:\n"
                      << outputs_lines << "  actions:\n"
                      << actions << "  results:\n"
                      << results << spec_lines;
  f.require_ok({ "workflow", "push", path, "--deploy" });
}

inline std::size_t
run_count(const RunFixture& f, const std::string& workflow)
{
  const auto listed = f.require_ok(
    { "runs", "list", "--workflow", workflow, "--limit", "1000", "-o", "json" });
  return json::parse(listed.out).size();
}

// The daemon's HTTP address, from `ryax daemon status`.
inline std::string
http_url(const RunFixture& f)
{
  const auto status =
    json::parse(f.require_ok({ "daemon", "status", "-o", "json" }).out);
  const auto url = status.value("http_url", std::string());
  REQUIRE_MESSAGE(url.starts_with("http://127.0.0.1:"), status.dump());
  return url;
}

inline httplib::Client
http_client(const RunFixture& f)
{
  httplib::Client client(http_url(f));
  client.set_read_timeout(60, 0);
  return client;
}

// "http://127.0.0.1:1234/runner/results/x" -> "/runner/results/x".
inline std::string
path_of(const std::string& url)
{
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

// Validate `doc` with a real OpenAPI validator (swagger-parser, installed
// by scripts/install-deps under .test-tools/). Skipped without node.
inline void
check_openapi(const RunFixture& f, const json& doc)
{
  if (run({ "sh", "-c", "command -v node" }).exit_code != 0) {
    MESSAGE("node is not installed: OpenAPI validation skipped");
    return;
  }
  const std::string module = std::string(RYAX_SOURCE_DIR) +
                             "/.test-tools/node_modules/@apidevtools/"
                             "swagger-parser";
  REQUIRE_MESSAGE(std::filesystem::exists(module),
                  "the OpenAPI validator is missing: run scripts/install-deps");
  const auto file = f.daemon.dir() / "openapi.json";
  std::ofstream(file) << doc.dump(2);
  const auto checked = run(
    { "node",
      "-e",
      "require(process.argv[1]).validate(process.argv[2]).then("
      "() => console.log('valid'), e => { console.error(e.message); "
      "process.exit(1); })",
      module,
      file });
  INFO(doc.dump(2));
  CHECK_MESSAGE(checked.exit_code == 0, checked.err);
  CHECK(checked.out.find("valid") != std::string::npos);
}

} // namespace ryax::test
