#pragma once

#include "core/application/ports/action_builder.hpp"
#include "core/infrastructure/build/toolchain.hpp"

#include <chrono>
#include <map>
#include <string>

namespace ryax::infra::build {

// How a LocalActionBuilder runs its tools.
struct LocalActionBuilderOptions
{
  // Variables set for every tool the builder runs (venv, pip, npm), over
  // process::build_tool_environment() of ours (the tools never get our whole
  // environment; HOME is "home" beside the bundle dir, in the build's
  // private staging directory): e.g. PIP_NO_INDEX and PIP_FIND_LINKS for an
  // offline wheelhouse. When it holds PATH, toolchains (python3.X, node,
  // npm, nvcc, dotnet) are searched there too.
  std::map<std::string, std::string> env;
  // How long a probed toolchain (interpreter path and version) is reused
  // before being asked again.
  std::chrono::milliseconds probe_ttl = std::chrono::seconds(30);
  // The longest one tool may run (pip install, npm ci) before the build
  // fails with deadline_exceeded.
  std::chrono::milliseconds step_timeout = std::chrono::minutes(30);
  // Put pip into the venv and install with it. By default the interpreter's
  // own pip installs into a venv without pip (pip >= 22.3 --python), which
  // is seconds faster; without such a pip the venv gets one anyway.
  bool pip_in_venv = false;
  // A file that exists when an NVIDIA driver is loaded; without it a
  // python3-cuda build gets a warning.
  std::string gpu_driver_marker = "/proc/driver/nvidia/version";
};

// Builds actions with the toolchains installed on this machine:
//   <bundle>/action/         a copy of the action's files (nodejs: with
//                            node_modules from npm ci / npm install)
//   <bundle>/env/            python3, python3-cuda: the virtual environment
//   <bundle>/ryax_lock.json  the lock of this build (python fields empty
//                            for other types)
//   <bundle>/build.json      type, interpreter, runtime_version, warnings,
//                            lock_used, toolchain
// The venv records its absolute location in its scripts: run its
// interpreter as env/bin/python3 (which works from anywhere) rather than
// its console scripts when the bundle is moved. Thread-safe: builds may run
// concurrently.
class LocalActionBuilder : public app::ActionBuilder
{
public:
  explicit LocalActionBuilder(LocalActionBuilderOptions options = {});

  // "python3 /usr/bin/python3.11 3.11.2 builder-1",
  // "python3-cuda nvcc /usr/local/cuda-13.0/bin/nvcc python3 ... builder-1",
  // "nodejs /usr/bin/node 20.20.2 npm /usr/lib/.../npm-cli.js builder-1",
  // "internal builder-1". failed_precondition when the toolchain is
  // missing (see build()).
  Result<std::string> toolchain_fingerprint(
    const domain::ActionVersion& action) override;

  // See app::ActionBuilder. Besides failed_precondition, deadline_exceeded
  // when a tool runs longer than options.step_timeout and internal when the
  // bundle cannot be written.
  Result<app::BuildOutcome> build(const app::BuildRequest& request) override;

private:
  class Run;

  LocalActionBuilderOptions m_options;
  ToolProbe m_probe;
};

} // namespace ryax::infra::build
