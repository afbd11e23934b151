#include "core/infrastructure/build/local_action_builder.hpp"

#include "core/infrastructure/build/pip_failure.hpp"
#include "core/infrastructure/build/ryax_lock.hpp"
#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/process/child_environment.hpp"
#include "core/infrastructure/process/subprocess.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#ifndef RYAX_VERSION
#define RYAX_VERSION "0.0.0"
#endif

namespace ryax::infra::build {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_venv_python = "env/bin/python3";
constexpr std::string_view k_lock_file = "ryax_lock.json";
constexpr std::string_view k_requirements_file = "requirements.txt";

Result<void>
write_text(const fs::path& path, const std::string& content)
{
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    return fail(ErrorCode::internal, "cannot write \"" + path.string() + "\"");
  }
  return {};
}

// The content of `path` in the action's files, nullopt when it has none;
// the error when it cannot be read (or is larger than any requirements or
// lock file should be).
Result<std::optional<std::string>>
read_optional_file(const fs::path& path)
{
  auto content = files::read_file(path, std::uint64_t{ 16 } << 20);
  if (!content) {
    if (content.error().code == ErrorCode::not_found) {
      return std::nullopt;
    }
    return std::unexpected(std::move(content).error());
  }
  return std::move(*content);
}

std::vector<std::string>
with(std::vector<std::string> command, std::initializer_list<std::string> args)
{
  command.insert(command.end(), args);
  return command;
}

std::string
join(const std::vector<std::string>& words, std::string_view separator)
{
  std::string text;
  for (const auto& word : words) {
    if (!text.empty()) {
      text += separator;
    }
    text += word;
  }
  return text;
}

} // namespace

// One build in progress: the request, its toolchain and what it produced.
class LocalActionBuilder::Run
{
public:
  Run(const LocalActionBuilderOptions& options,
      ToolProbe& probe,
      const app::BuildRequest& request,
      Toolchain toolchain)
    : m_options(options)
    , m_probe(probe)
    , m_request(request)
    , m_toolchain(std::move(toolchain))
    , m_bundle(request.bundle_dir)
    , m_action_dir(m_bundle / "action")
  {
  }

  Result<app::BuildOutcome>
  execute()
  {
    const auto& action = m_request.action;
    log("build " + action.id() + ":" + action.version() + " (" +
        std::string(to_string(action.metadata.type)) + ", tree " +
        action.tree_id + ")");
    log("toolchain: " + m_toolchain.fingerprint);
    if (!m_options.env.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, value] : m_options.env) {
        names.push_back(name);
      }
      log("environment set by the builder: " + join(names, ", "));
    }
    RYAX_TRY(check_cancelled());
    RYAX_TRY(make_tool_environment());
    RYAX_TRY(copy_action());
    if (!action.metadata.dependencies.empty()) {
      warn("spec.dependencies not installed (Nix packages cannot be "
           "installed by this builder): " +
           join(action.metadata.dependencies, ", "));
    }
    m_lock.wrapper_revision = "ryax-" RYAX_VERSION;
    switch (action.metadata.type) {
      case domain::ActionType::python3_cuda:
        if (!fs::exists(m_options.gpu_driver_marker)) {
          warn("python3-cuda: built with the CUDA toolkit at \"" +
               m_toolchain.nvcc + "\" but no GPU driver was found (" +
               m_options.gpu_driver_marker +
               " is missing): the action may fail at run time");
        }
        RYAX_TRY(build_python());
        break;
      case domain::ActionType::python3:
        RYAX_TRY(build_python());
        break;
      case domain::ActionType::nodejs:
        RYAX_TRY(build_nodejs());
        break;
      case domain::ActionType::internal:
        log("internal: nothing to build");
        break;
      case domain::ActionType::csharp_dotnet6:
        return fail(ErrorCode::internal, "csharp-dotnet6 reached build");
    }
    RYAX_TRY(write_results());
    log("built");
    return m_outcome;
  }

private:
  void
  log(std::string_view line)
  {
    if (m_request.log) {
      m_request.log(line);
    }
  }

  void
  warn(const std::string& warning)
  {
    log("warning: " + warning);
    m_outcome.warnings.push_back(warning);
  }

  Result<void>
  check_cancelled()
  {
    if (m_request.cancelled && m_request.cancelled()) {
      log("build cancelled");
      return fail(ErrorCode::failed_precondition, "build cancelled");
    }
    return {};
  }

  // Run one tool, logging its command line and every line it prints.
  // `output` (optional) receives the lines too; with `stdout_only` it gets
  // only stdout lines (stderr is still logged). The exit code.
  Result<int>
  run_tool(const std::vector<std::string>& argv,
           const fs::path& cwd,
           std::vector<std::string>* output = nullptr,
           bool stdout_only = false)
  {
    RYAX_TRY(check_cancelled());
    log("$ " + join(argv, " "));
    process::ProcessSpec spec;
    spec.argv = argv;
    spec.cwd = cwd.string();
    spec.env = m_tool_env;
    spec.inherit_environment = false;
    spec.timeout = m_options.step_timeout;
    spec.stderr_mode =
      stdout_only ? process::StderrMode::tagged : process::StderrMode::merged;
    auto code = process::run_process(
      spec,
      [&](std::string_view line) {
        log(line);
        if (output &&
            !(stdout_only && line.starts_with(process::k_stderr_tag))) {
          output->emplace_back(line);
        }
      },
      m_request.cancelled);
    if (!code) {
      if (code.error().code == ErrorCode::failed_precondition) {
        log("build cancelled");
        return fail(ErrorCode::failed_precondition, "build cancelled");
      }
      log(code.error().message);
      return std::unexpected(code.error());
    }
    if (*code != 0) {
      log("exit code " + std::to_string(*code));
    }
    // Cancelled while the tool was finishing: stop before the next step.
    RYAX_TRY(check_cancelled());
    return *code;
  }

  // The tools run code of the action and of its dependencies (setup.py,
  // npm scripts): they get build_tool_environment(), not the daemon's, with
  // HOME in the build's private staging directory, plus m_options.env.
  Result<void>
  make_tool_environment()
  {
    const auto home = m_bundle.parent_path() / "home";
    std::error_code ec;
    fs::create_directories(home, ec);
    if (ec) {
      return fail(ErrorCode::internal, "cannot create \"" + home.string() + "\": " + ec.message());
    }
    m_tool_env = process::build_tool_environment(process::current_environment_map(), home.string());
    for (const auto& [name, value] : m_options.env) {
      m_tool_env[name] = value;
    }
    return {};
  }

  Result<void>
  copy_action()
  {
    std::error_code ec;
    fs::copy(m_request.source_dir,
             m_action_dir,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks,
             ec);
    if (ec) {
      return fail(ErrorCode::internal,
                  "cannot copy the action from \"" + m_request.source_dir +
                    "\" to \"" + m_action_dir.string() + "\": " + ec.message());
    }
    return {};
  }

  // The lock shipped with the action when it applies to `requirements` and
  // `version`; logs why when it does not.
  std::optional<RyaxLock>
  applicable_lock(const std::string& requirements, const std::string& version)
  {
    const auto text = read_optional_file(m_action_dir / k_lock_file);
    if (!text) {
      warn("ignoring the action's ryax_lock.json: " + text.error().message);
      return std::nullopt;
    }
    if (!*text) {
      return std::nullopt;
    }
    auto lock = parse_ryax_lock(**text, std::string(k_lock_file));
    if (!lock) {
      warn("ignoring the action's " + lock.error().message);
      return std::nullopt;
    }
    if (lock->original_requirements != requirements) {
      log("ryax_lock.json ignored: its original requirements differ from "
          "requirements.txt");
      return std::nullopt;
    }
    if (lock->python_version_original != version) {
      log("ryax_lock.json ignored: it was made for python version \"" +
          lock->python_version_original + "\", this build asks \"" + version +
          "\"");
      return std::nullopt;
    }
    return *lock;
  }

  // Whether `python`'s own pip has --python (pip 22.3 or later).
  bool
  has_python_option(const PythonInterpreter& python)
  {
    const auto lines =
      m_probe.run({ python.executable, "-m", "pip", "--version" });
    if (!lines || lines->empty() || !lines->front().starts_with("pip ")) {
      return false;
    }
    int major = 0;
    int minor = 0;
    if (std::sscanf(lines->front().c_str(), "pip %d.%d", &major, &minor) != 2) {
      return false;
    }
    return major > 22 || (major == 22 && minor >= 3);
  }

  Result<void>
  build_python()
  {
    const auto& python = *m_toolchain.python;
    RYAX_TRY_ASSIGN(
      const auto version,
      requested_python_version(m_request.action.metadata.options_json));
    log("python: " + python.name + " " + python.version + " (" +
        python.executable + ", found at " + python.found + ")");
    RYAX_TRY_ASSIGN(const auto requirements_file,
                    read_optional_file(m_action_dir / k_requirements_file));
    const auto requirements = requirements_file.value_or("");
    const auto lock = applicable_lock(requirements, version);
    auto to_install = requirements;
    std::string shown_file(k_requirements_file);
    if (lock) {
      to_install = lock->locked_requirements;
      shown_file = "ryax_lock.json (python.lockedRequirements)";
      m_lock_used = true;
      log("using the locked requirements of ryax_lock.json");
    }
    const bool install = has_requirements(to_install);
    const auto env_python = (m_bundle / k_venv_python).string();
    // The interpreter's own pip can install into a venv without pip (pip
    // >= 22.3, --python): that spares ensurepip, the slowest step.
    const bool host_pip =
      install && !m_options.pip_in_venv && has_python_option(python);
    const std::vector<std::string> pip =
      host_pip ? std::vector<std::string>{ python.executable,
                                           "-m",
                                           "pip",
                                           "--python",
                                           env_python }
               : std::vector<std::string>{ env_python, "-m", "pip" };

    std::vector<std::string> venv = { python.executable, "-m", "venv" };
    if (!install || host_pip) {
      venv.emplace_back("--without-pip");
    }
    venv.push_back((m_bundle / "env").string());
    std::vector<std::string> venv_output;
    RYAX_TRY_ASSIGN(const auto venv_code,
                    run_tool(venv, m_bundle, &venv_output));
    if (venv_code != 0) {
      return fail(ErrorCode::failed_precondition,
                  "python -m venv failed with exit code " +
                    std::to_string(venv_code) + ": " +
                    pip_error_summary(venv_output, venv_code));
    }
    std::string locked;
    if (install) {
      // Locked requirements go to a file beside the action, removed after.
      // Relative to the action, as pip's "(from line N of ...)" shows it.
      auto file = std::string(k_requirements_file);
      const auto locked_file = m_bundle / ".ryax-locked-requirements.txt";
      if (lock) {
        RYAX_TRY(write_text(locked_file, to_install));
        file = locked_file.string();
      }
      std::vector<std::string> output;
      RYAX_TRY_ASSIGN(const auto code,
                      run_tool(with(pip,
                                    { "install",
                                      "--no-input",
                                      "--disable-pip-version-check",
                                      "-r",
                                      file }),
                               m_action_dir,
                               &output));
      std::error_code ignored;
      fs::remove(locked_file, ignored);
      if (code != 0) {
        return fail(ErrorCode::failed_precondition,
                    describe_pip_failure(shown_file, to_install, output, code));
      }
      std::vector<std::string> frozen;
      RYAX_TRY_ASSIGN(
        const auto freeze_code,
        run_tool(with(pip, { "freeze", "--disable-pip-version-check" }),
                 m_action_dir,
                 &frozen,
                 true));
      if (freeze_code != 0) {
        return fail(ErrorCode::failed_precondition,
                    "pip freeze failed with exit code " +
                      std::to_string(freeze_code));
      }
      for (const auto& line : frozen) {
        locked += line + "\n";
      }
    } else {
      log("python: no requirements to install");
    }

    m_lock.python_version = python.version;
    m_lock.python_version_original = version;
    m_lock.original_requirements = requirements;
    m_lock.locked_requirements = locked;
    m_outcome.interpreter = k_venv_python;
    m_outcome.runtime_version = python.version;
    if (!fs::exists(m_bundle / k_venv_python)) {
      return fail(ErrorCode::failed_precondition,
                  "python -m venv made no " + std::string(k_venv_python));
    }
    return {};
  }

  Result<void>
  build_nodejs()
  {
    log("nodejs: node " + m_toolchain.node_version + " (" + m_toolchain.node +
        "), npm " + m_toolchain.npm);
    m_outcome.interpreter = m_toolchain.node;
    m_outcome.runtime_version = m_toolchain.node_version;
    if (!fs::exists(m_action_dir / "package.json")) {
      log("nodejs: no package.json, nothing to install");
      return {};
    }
    const bool ci = fs::exists(m_action_dir / "package-lock.json");
    const std::string verb = ci ? "ci" : "install";
    std::vector<std::string> output;
    RYAX_TRY_ASSIGN(const auto code,
                    run_tool({ m_toolchain.npm,
                               verb,
                               "--no-audit",
                               "--no-fund",
                               "--update-notifier=false" },
                             m_action_dir,
                             &output));
    if (code != 0) {
      std::vector<std::string> errors;
      for (const auto& line : output) {
        if ((line.starts_with("npm error") || line.starts_with("npm ERR!")) &&
            errors.size() < 3) {
          errors.push_back(line);
        }
      }
      return fail(ErrorCode::failed_precondition,
                  "npm " + verb + " failed with exit code " +
                    std::to_string(code) + ": " +
                    (errors.empty() ? pip_error_summary(output, code)
                                    : join(errors, " | ")));
    }
    return {};
  }

  Result<void>
  write_results()
  {
    m_outcome.lock_json = format_ryax_lock(m_lock);
    RYAX_TRY(write_text(m_bundle / k_lock_file, m_outcome.lock_json));
    nlohmann::ordered_json info;
    info["type"] = to_string(m_request.action.metadata.type);
    info["interpreter"] = m_outcome.interpreter;
    info["runtime_version"] = m_outcome.runtime_version;
    info["warnings"] = m_outcome.warnings;
    info["lock_used"] = m_lock_used;
    info["toolchain"] = m_toolchain.fingerprint;
    RYAX_TRY(write_text(
      m_bundle / "build.json",
      info.dump(
        2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) +
        "\n"));
    return {};
  }

  const LocalActionBuilderOptions& m_options;
  ToolProbe& m_probe;
  const app::BuildRequest& m_request;
  Toolchain m_toolchain;
  fs::path m_bundle;
  fs::path m_action_dir;
  process::EnvironmentMap m_tool_env;
  RyaxLock m_lock;
  bool m_lock_used = false;
  app::BuildOutcome m_outcome;
};

LocalActionBuilder::LocalActionBuilder(LocalActionBuilderOptions options)
  : m_options(std::move(options))
  , m_probe(m_options.env, m_options.probe_ttl)
{
}

Result<std::string>
LocalActionBuilder::toolchain_fingerprint(const domain::ActionVersion& action)
{
  RYAX_TRY_ASSIGN(const auto toolchain, resolve_toolchain(m_probe, action));
  return toolchain.fingerprint;
}

Result<app::BuildOutcome>
LocalActionBuilder::build(const app::BuildRequest& request)
{
  auto toolchain = resolve_toolchain(m_probe, request.action);
  if (!toolchain) {
    if (request.log) {
      request.log("error: " + toolchain.error().message);
    }
    return std::unexpected(toolchain.error());
  }
  Run run(m_options, m_probe, request, std::move(*toolchain));
  auto outcome = run.execute();
  if (!outcome && request.log) {
    request.log("error: " + outcome.error().message);
  }
  return outcome;
}

} // namespace ryax::infra::build
