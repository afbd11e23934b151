#pragma once

#include <map>
#include <string>
#include <vector>

namespace ryax::infra::process {

// A process environment, name to value.
using EnvironmentMap = std::map<std::string, std::string>;

// The PATH a child gets when the parent has none.
inline constexpr const char* k_default_path = "/usr/local/bin:/usr/bin:/bin";

// The environment of this process (environ), as a map. Entries without '='
// are skipped.
EnvironmentMap current_environment_map();

// The whole environment of a process that runs user code (a ryax-wrapper
// replica, the language runtime under it, `ryax action test`): PATH
// (k_default_path when `parent` has none), HOME set to `home`, and LANG,
// LC_ALL and TZ copied from `parent` when set there. Nothing else of
// `parent` is kept: no RYAX_* variable, token, data dir or key reaches user
// code. In a build with AddressSanitizer, ASAN_OPTIONS, LSAN_OPTIONS and
// UBSAN_OPTIONS are kept too, so that ryax's own binaries stay checked as
// the tests ask.
EnvironmentMap user_code_environment(const EnvironmentMap& parent, const std::string& home);

// The environment of a build tool (venv, pip, npm), which runs code of the
// action and of its dependencies (setup.py, npm scripts):
// user_code_environment(parent, home) plus the variables that configure
// the package tools and their network access when set in `parent`: PIP_*,
// npm_config_* and NPM_CONFIG_*, http_proxy, https_proxy, no_proxy (either
// case), SSL_CERT_FILE and SSL_CERT_DIR.
EnvironmentMap build_tool_environment(const EnvironmentMap& parent, const std::string& home);

// "NAME=value" strings of `env`, in name order, for exec and posix_spawn
// (see c_string_array in subprocess.hpp).
std::vector<std::string> to_environ_strings(const EnvironmentMap& env);

} // namespace ryax::infra::process
