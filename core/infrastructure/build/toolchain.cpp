#include "core/infrastructure/build/toolchain.hpp"

#include "core/infrastructure/process/subprocess.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <limits>

namespace ryax::infra::build {

namespace {

namespace fs = std::filesystem;

constexpr auto k_probe_timeout = std::chrono::seconds(10);

// Prints the real interpreter and its version; -I -S keep it fast and
// independent of the user's site-packages and PYTHON* variables.
const std::vector<std::string> k_python_probe_args = {
  "-I",
  "-S",
  "-c",
  "import sys; print(sys.executable); "
  "print('%d.%d.%d' % sys.version_info[:3])"
};

bool
is_digits(std::string_view text)
{
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// "python3" or "python3.<digits>".
bool
is_python_name(std::string_view name)
{
  if (name == "python3") {
    return true;
  }
  return name.starts_with("python3.") && is_digits(name.substr(8));
}

// The minor number of a "python3.N" name, -1 for "python3".
int
minor_of(std::string_view name)
{
  if (name == "python3") {
    return -1;
  }
  int minor = 0;
  const auto digits = name.substr(8);
  const auto [end, ec] =
    std::from_chars(digits.data(), digits.data() + digits.size(), minor);
  return ec == std::errc() ? minor : std::numeric_limits<int>::max();
}

std::optional<PythonInterpreter>
probe_python(ToolProbe& probe,
             const std::string& name,
             const std::string& found)
{
  auto argv = k_python_probe_args;
  argv.insert(argv.begin(), found);
  const auto lines = probe.run(argv);
  if (!lines || lines->size() < 2 || (*lines)[0].empty()) {
    return std::nullopt;
  }
  std::error_code ec;
  auto real = std::filesystem::canonical((*lines)[0], ec);
  return PythonInterpreter{
    name, found, ec ? (*lines)[0] : real.string(), (*lines)[1]
  };
}

std::string
real_path(const std::string& path)
{
  std::error_code ec;
  const auto real = fs::canonical(path, ec);
  return ec ? path : real.string();
}

Result<std::string>
find_tool(ToolProbe& probe,
          domain::ActionType type,
          const std::string& name,
          const std::string& what)
{
  auto found = process::find_on_path(name, probe.path_list());
  if (!found) {
    return fail(ErrorCode::failed_precondition,
                std::string(to_string(type)) + ": " + what +
                  " is not installed on this machine (no \"" + name +
                  "\" on PATH)");
  }
  return *found;
}

Result<Toolchain>
resolve_python(ToolProbe& probe, const domain::ActionVersion& action)
{
  const auto type = action.metadata.type;
  Toolchain toolchain;
  if (type == domain::ActionType::python3_cuda) {
    RYAX_TRY_ASSIGN(toolchain.nvcc,
                    find_tool(probe, type, "nvcc", "the CUDA toolkit"));
  }
  RYAX_TRY_ASSIGN(const auto version,
                  requested_python_version(action.metadata.options_json));
  RYAX_TRY_ASSIGN(toolchain.python, find_python(probe, version));
  const auto& python = *toolchain.python;
  toolchain.fingerprint = python.name + " " + python.executable + " " +
                          python.version + " " +
                          std::string(k_builder_revision);
  if (!toolchain.nvcc.empty()) {
    toolchain.fingerprint = "python3-cuda nvcc " + real_path(toolchain.nvcc) +
                            " " + toolchain.fingerprint;
  }
  return toolchain;
}

} // namespace

ToolProbe::ToolProbe(std::map<std::string, std::string> env,
                     std::chrono::milliseconds ttl)
  : m_env(std::move(env))
  , m_ttl(ttl)
{
}

std::optional<std::vector<std::string>>
ToolProbe::run(const std::vector<std::string>& argv)
{
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(m_mutex);
    const auto it = m_answers.find(argv);
    if (it != m_answers.end() && now - it->second.at < m_ttl) {
      return it->second.lines;
    }
  }
  process::ProcessSpec spec;
  spec.argv = argv;
  spec.env = m_env;
  spec.timeout = k_probe_timeout;
  spec.stderr_mode = process::StderrMode::tagged;
  std::vector<std::string> lines;
  const auto code = process::run_process(spec, [&](std::string_view line) {
    if (!line.starts_with(process::k_stderr_tag)) {
      lines.emplace_back(line);
    }
  });
  Answer answer{ std::nullopt, now };
  if (code && *code == 0) {
    answer.lines = std::move(lines);
  }
  std::lock_guard lock(m_mutex);
  m_answers[argv] = answer;
  return answer.lines;
}

std::optional<std::string>
ToolProbe::path_list() const
{
  const auto it = m_env.find("PATH");
  if (it == m_env.end()) {
    return std::nullopt;
  }
  return it->second;
}

Result<std::string>
requested_python_version(const std::string& options_json)
{
  const auto options = nlohmann::json::parse(options_json, nullptr, false);
  if (options.is_discarded() || !options.is_object()) {
    return std::string();
  }
  const auto python = options.find("python");
  if (python == options.end() || !python->is_object()) {
    return std::string();
  }
  const auto version = python->find("version");
  if (version == python->end() || version->is_null()) {
    return std::string();
  }
  const auto text =
    version->is_string() ? version->get<std::string>() : version->dump();
  const auto dot = text.find('.');
  if (dot == std::string::npos || !is_digits(text.substr(0, dot)) ||
      !is_digits(text.substr(dot + 1))) {
    return fail(ErrorCode::failed_precondition,
                "spec.options.python.version: \"" + text +
                  "\" is not MAJOR.MINOR (e.g. \"3.11\")");
  }
  return text;
}

Result<PythonInterpreter>
find_python(ToolProbe& probe, const std::string& version)
{
  const auto name =
    version.empty() ? std::string("python3") : "python" + version;
  const auto candidates = process::scan_path(
    [&](std::string_view file) { return file == name; }, probe.path_list());
  for (const auto& found : candidates) {
    auto interpreter = probe_python(probe, name, found);
    if (interpreter &&
        (version.empty() || interpreter->version.starts_with(version + "."))) {
      return *interpreter;
    }
  }
  const auto asked =
    version.empty() ? std::string("no working \"python3\" on PATH")
                    : "python " + version + " is not installed (no working \"" +
                        name + "\" on PATH)";
  return fail(ErrorCode::failed_precondition,
              (version.empty() ? "" : "spec.options.python.version: ") + asked +
                "; available: " + describe_pythons(list_pythons(probe)));
}

std::vector<PythonInterpreter>
list_pythons(ToolProbe& probe)
{
  const auto candidates = process::scan_path(
    [](std::string_view file) { return is_python_name(file); },
    probe.path_list());
  std::vector<PythonInterpreter> result;
  for (const auto& found : candidates) {
    const auto name = std::filesystem::path(found).filename().string();
    auto interpreter = probe_python(probe, name, found);
    if (!interpreter) {
      continue;
    }
    const bool seen =
      std::any_of(result.begin(), result.end(), [&](const auto& other) {
        return other.name == name &&
               other.executable == interpreter->executable;
      });
    if (!seen) {
      result.push_back(std::move(*interpreter));
    }
  }
  std::stable_sort(
    result.begin(), result.end(), [](const auto& a, const auto& b) {
      return minor_of(a.name) < minor_of(b.name);
    });
  return result;
}

std::string
describe_pythons(const std::vector<PythonInterpreter>& interpreters)
{
  if (interpreters.empty()) {
    return "none";
  }
  std::string text;
  for (const auto& interpreter : interpreters) {
    if (!text.empty()) {
      text += ", ";
    }
    text += interpreter.name + " " + interpreter.version + " (" +
            interpreter.executable + ")";
  }
  return text;
}

Result<Toolchain>
resolve_toolchain(ToolProbe& probe, const domain::ActionVersion& action)
{
  const auto type = action.metadata.type;
  const std::string revision(k_builder_revision);
  Toolchain toolchain;
  switch (type) {
    case domain::ActionType::internal:
      toolchain.fingerprint = "internal " + revision;
      return toolchain;
    case domain::ActionType::csharp_dotnet6: {
      RYAX_TRY_ASSIGN(const auto dotnet,
                      find_tool(probe, type, "dotnet", "the .NET SDK"));
      return fail(ErrorCode::failed_precondition,
                  "csharp-dotnet6: building C# actions is not supported by "
                  "this builder (found \"" +
                    dotnet + "\")");
    }
    case domain::ActionType::nodejs: {
      RYAX_TRY_ASSIGN(toolchain.node,
                      find_tool(probe, type, "node", "Node.js"));
      RYAX_TRY_ASSIGN(toolchain.npm, find_tool(probe, type, "npm", "npm"));
      const auto version = probe.run({ toolchain.node, "--version" });
      if (!version || version->empty()) {
        return fail(ErrorCode::failed_precondition,
                    "nodejs: \"" + toolchain.node + " --version\" failed");
      }
      toolchain.node_version = version->front();
      if (toolchain.node_version.starts_with('v')) {
        toolchain.node_version.erase(0, 1);
      }
      toolchain.fingerprint = "nodejs " + real_path(toolchain.node) + " " +
                              toolchain.node_version + " npm " +
                              real_path(toolchain.npm) + " " + revision;
      return toolchain;
    }
    case domain::ActionType::python3_cuda:
    case domain::ActionType::python3:
      return resolve_python(probe, action);
  }
  return fail(ErrorCode::internal, "unknown action type");
}

} // namespace ryax::infra::build
