#include "tests/integration/wrapper_fixture.hpp"

#include "core/infrastructure/yaml/action_metadata_parser.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace ryax::test {

fs::path
wrapper_fixtures()
{
  return fs::path(RYAX_SOURCE_DIR) / "tests/fixtures/wrapper";
}

std::string
python_interpreter()
{
  static const std::string path = [] {
    auto r = run({"python3", "-c", "import sys; print(sys.executable)"});
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.find('\n'));
  }();
  return path;
}

domain::ActionMetadata
load_metadata(const fs::path& dir)
{
  const auto text = read_file(dir / "ryax_metadata.yaml");
  auto parsed = infra::yaml::parse_action_metadata(
    text, (dir / "ryax_metadata.yaml").string(), [&](const std::string& rel) -> std::optional<std::string> {
      if (!fs::exists(dir / rel)) {
        return std::nullopt;
      }
      return read_file(dir / rel);
    });
  REQUIRE_MESSAGE(parsed.ok(), (parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].message));
  return *parsed.metadata;
}

Wrapper::Wrapper(const std::string& fixture)
{
  settings.run_dir = dir.path().string();
  settings.action_dir = (wrapper_fixtures() / fixture).string();
  settings.interpreter = python_interpreter();
  settings.metadata = load_metadata(wrapper_fixtures() / fixture);
  settings.work_root = dir / "work";
  settings.wrapper_binary = RYAX_WRAPPER_BIN;
}

Result<void>
Wrapper::start()
{
  RYAX_TRY_ASSIGN(client, infra::wrapper::WrapperClient::start(settings));
  return {};
}

void
Wrapper::require_started()
{
  auto started = start();
  REQUIRE_MESSAGE(started, (started ? std::string() : started.error().message));
}

app::ExecutionResult
Wrapper::execute(const std::string& id, const json& inputs, std::vector<app::LogLine>* logs)
{
  auto result = client->execute(id, inputs.dump(), [&](const app::LogLine& line) {
    if (logs != nullptr) {
      logs->push_back(line);
    }
  });
  REQUIRE_MESSAGE(result, (result ? std::string() : result.error().message));
  return *result;
}

std::string
Wrapper::socket_path() const
{
  return dir / "wrapper.sock";
}

std::string
Wrapper::wrapper_log() const
{
  return read_file(client->log_path());
}

json
processor_inputs(const std::string& extra)
{
  json inputs = {{"x", 41}, {"ratio", 2}, {"flag", "true"}, {"label", "hello"}, {"token", "s3cr3t-pw"}};
  if (!extra.empty()) {
    inputs["extra"] = extra;
  }
  return inputs;
}

json
outputs_of(const app::ExecutionResult& result)
{
  REQUIRE_MESSAGE(result.ok(), (result.error ? result.error->message + "\n" + result.error->traceback : ""));
  return json::parse(result.outputs_json);
}

} // namespace ryax::test
