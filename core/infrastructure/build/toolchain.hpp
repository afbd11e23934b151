#pragma once

#include "core/domain/catalogue.hpp"
#include "core/domain/error.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace ryax::infra::build {

// Runs short "who are you" commands (python -c ..., node --version) and
// remembers their answers for a while, so that computing a content key
// costs no process spawn on a warm daemon. Thread-safe.
class ToolProbe
{
public:
  // Commands run with `env` over the inherited environment; programs are
  // searched in env["PATH"] when set, else in our PATH. Answers are reused
  // for `ttl` (0: never reused).
  ToolProbe(std::map<std::string, std::string> env,
            std::chrono::milliseconds ttl);

  // The stdout lines of `argv` when it exits with 0 within 10 s; nullopt
  // when it cannot start, fails or times out.
  std::optional<std::vector<std::string>> run(
    const std::vector<std::string>& argv);

  // Where toolchains are searched: env["PATH"], or nullopt for our PATH.
  std::optional<std::string> path_list() const;

  // The environment overrides given to the constructor.
  const std::map<std::string, std::string>&
  env() const
  {
    return m_env;
  }

private:
  struct Answer
  {
    std::optional<std::vector<std::string>> lines;
    std::chrono::steady_clock::time_point at;
  };

  std::map<std::string, std::string> m_env;
  std::chrono::milliseconds m_ttl;
  std::mutex m_mutex;
  std::map<std::vector<std::string>, Answer> m_answers;
};

// A working Python interpreter found on PATH.
struct PythonInterpreter
{
  std::string name;       // as searched: "python3", "python3.11"
  std::string found;      // path on PATH (may be a pyenv shim)
  std::string executable; // the real interpreter, symlinks resolved
  std::string version;    // full version, "3.11.7"
};

// The python version `options_json` (spec.options as JSON text) asks for
// with python.version ("3.11"), or "" when it asks none. failed_precondition
// naming spec.options.python.version when it is not "MAJOR.MINOR".
Result<std::string> requested_python_version(const std::string& options_json);

// The first working interpreter on PATH named "python3" (`version` "") or
// "python3.X" (`version` "3.X") whose version matches. failed_precondition
// naming the version and listing the interpreters that exist when none.
Result<PythonInterpreter> find_python(ToolProbe& probe,
                                      const std::string& version);

// Every working "python3" and "python3.N" on PATH, one entry per distinct
// name and real interpreter, sorted by name (numerically) then PATH order.
std::vector<PythonInterpreter> list_pythons(ToolProbe& probe);

// "python3 3.11.7 (/usr/bin/python3.11), python3.11 3.11.7 (...)", or
// "none" when `interpreters` is empty.
std::string describe_pythons(
  const std::vector<PythonInterpreter>& interpreters);

// The builder's revision, part of every toolchain fingerprint: bump it when
// the bundle layout or the build steps change, so old bundles are not reused.
inline constexpr std::string_view k_builder_revision = "builder-1";

// What a build of one action needs from this machine, found once.
struct Toolchain
{
  std::string fingerprint;
  std::optional<PythonInterpreter> python; // python3, python3-cuda
  std::string nvcc;                        // python3-cuda
  std::string node;                        // nodejs
  std::string node_version;                // nodejs, without the 'v'
  std::string npm;                         // nodejs
};

// The tools a build of `action` needs, found on the probe's PATH, and their
// fingerprint ("python3 /usr/bin/python3.11 3.11.2 builder-1"...).
// failed_precondition naming the missing tool (or the unsupported type).
Result<Toolchain> resolve_toolchain(ToolProbe& probe, const domain::ActionVersion& action);

} // namespace ryax::infra::build
