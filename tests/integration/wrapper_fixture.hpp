#pragma once

// Helpers of the ryax-wrapper integration tests: the real binary, driven
// through WrapperClient, around the python fixtures of
// tests/fixtures/wrapper/, with the python3 found on PATH.

#include "core/infrastructure/wrapper/wrapper_client.hpp"
#include "tests/support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ryax::test {

// tests/fixtures/wrapper/ in the source tree.
std::filesystem::path wrapper_fixtures();

// The interpreter behind `python3` on PATH (a pyenv shim resolves to the
// real binary), so a test can check it is the one that ran.
std::string python_interpreter();

// The metadata of the action in `dir` (its ryax_metadata.yaml), which must
// be valid.
domain::ActionMetadata load_metadata(const std::filesystem::path& dir);

// One wrapper around a fixture action, in a fresh temp dir.
struct Wrapper
{
  TempDir dir;
  infra::wrapper::WrapperSettings settings;
  std::unique_ptr<infra::wrapper::WrapperClient> client;

  // Settings for the fixture `fixture` (a directory of wrapper_fixtures());
  // nothing started yet.
  explicit Wrapper(const std::string& fixture);

  // Start the wrapper with `settings`.
  Result<void> start();

  // Start, failing the test when it does not.
  void require_started();

  // Execute, failing the test on an Error; the log lines go to `logs`.
  app::ExecutionResult execute(const std::string& id, const nlohmann::json& inputs,
                               std::vector<app::LogLine>* logs = nullptr);

  // The wrapper's socket.
  std::string socket_path() const;

  // The wrapper's own log.
  std::string wrapper_log() const;
};

// Valid inputs of the "processor" fixture; `extra` picks its behaviour
// ("sleep" sleeps 10 s, "pid" returns the runtime's pid, ...).
nlohmann::json processor_inputs(const std::string& extra = "");

// The outputs of a successful result, failing the test otherwise.
nlohmann::json outputs_of(const app::ExecutionResult& result);

} // namespace ryax::test
