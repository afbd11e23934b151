#pragma once

#include "cli/context.hpp"

namespace CLI {
class App;
}

namespace ryax::cli {

// `ryax version`.
void register_version_command(CLI::App& app, Context& ctx);

// `ryax daemon start|stop|status`.
void register_daemon_commands(CLI::App& app, Context& ctx);

// `ryax repo add|list|show|rm|scan`.
void register_repo_commands(CLI::App& app, Context& ctx);

// `ryax action list|show|rm|init`.
void register_action_commands(CLI::App& app, Context& ctx);

// `ryax action build|build-log|build-cancel`, added to the `action` noun.
void register_build_commands(CLI::App& action, Context& ctx);

// `ryax workflow validate|push|list|show|export|diff|graph|deploy|undeploy|rm|errors`.
void register_workflow_commands(CLI::App& app, Context& ctx);

// `ryax run`, `ryax runs list|show|rm|cancel|results` and `ryax logs`.
void register_run_commands(CLI::App& app, Context& ctx);

// `ryax site list|show`.
void register_site_commands(CLI::App& app, Context& ctx);

// `ryax deployments list|show`.
void register_deployment_commands(CLI::App& app, Context& ctx);

// `ryax whoami`, `ryax project ...`, `ryax user ...`.
void register_identity_commands(CLI::App& app, Context& ctx);

// `ryax token ...` and `ryax audit list`.
void register_token_commands(CLI::App& app, Context& ctx);

// `ryax login`, `ryax logout`, `ryax context ...`.
void register_login_commands(CLI::App& app, Context& ctx);

// `ryax variable set|list|show|rm`.
void register_variable_commands(CLI::App& app, Context& ctx);

// `ryax apikey create|list|revoke|require`.
void register_apikey_commands(CLI::App& app, Context& ctx);

// `ryax events`.
void register_event_commands(CLI::App& app, Context& ctx);

// `ryax accounting`.
void register_accounting_commands(CLI::App& app, Context& ctx);

} // namespace ryax::cli
