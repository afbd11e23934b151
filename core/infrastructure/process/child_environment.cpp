#include "core/infrastructure/process/child_environment.hpp"

#include <array>
#include <string_view>

extern char** environ;

namespace ryax::infra::process {

namespace {

// Copied from the parent when set: the locale and the time zone.
constexpr std::array<std::string_view, 3> k_user_code_names = {"LANG", "LC_ALL", "TZ"};

// Sanitizer settings, kept only in a sanitizer build of ryax (see the
// header): they configure ryax's binaries, not the user's.
constexpr std::array<std::string_view, 3> k_sanitizer_names = {"ASAN_OPTIONS", "LSAN_OPTIONS",
                                                               "UBSAN_OPTIONS"};

#if defined(__SANITIZE_ADDRESS__)
constexpr bool k_sanitized = true;
#else
constexpr bool k_sanitized = false;
#endif

constexpr std::array<std::string_view, 8> k_build_tool_names = {
  "http_proxy", "https_proxy", "no_proxy",      "HTTP_PROXY",
  "HTTPS_PROXY", "NO_PROXY",   "SSL_CERT_FILE", "SSL_CERT_DIR"};

constexpr std::array<std::string_view, 3> k_build_tool_prefixes = {"PIP_", "npm_config_",
                                                                   "NPM_CONFIG_"};

} // namespace

EnvironmentMap
current_environment_map()
{
  EnvironmentMap env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
  }
  return env;
}

EnvironmentMap
user_code_environment(const EnvironmentMap& parent, const std::string& home)
{
  EnvironmentMap env;
  const auto path = parent.find("PATH");
  env["PATH"] = path != parent.end() && !path->second.empty() ? path->second : k_default_path;
  env["HOME"] = home;
  for (const auto name : k_user_code_names) {
    if (const auto it = parent.find(std::string(name)); it != parent.end()) {
      env.insert(*it);
    }
  }
  if (k_sanitized) {
    for (const auto name : k_sanitizer_names) {
      if (const auto it = parent.find(std::string(name)); it != parent.end()) {
        env.insert(*it);
      }
    }
  }
  return env;
}

EnvironmentMap
build_tool_environment(const EnvironmentMap& parent, const std::string& home)
{
  auto env = user_code_environment(parent, home);
  for (const auto& [name, value] : parent) {
    bool keep = false;
    for (const auto wanted : k_build_tool_names) {
      keep = keep || name == wanted;
    }
    for (const auto prefix : k_build_tool_prefixes) {
      keep = keep || name.starts_with(prefix);
    }
    if (keep) {
      env.emplace(name, value);
    }
  }
  return env;
}

std::vector<std::string>
to_environ_strings(const EnvironmentMap& env)
{
  std::vector<std::string> result;
  result.reserve(env.size());
  for (const auto& [name, value] : env) {
    result.push_back(name + "=" + value);
  }
  return result;
}

} // namespace ryax::infra::process
