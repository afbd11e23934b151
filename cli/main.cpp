// ryax: the command-line client of ryaxd.

#include "cli/aliases.hpp"
#include "cli/catch_all.hpp"
#include "cli/commands/commands.hpp"
#include "cli/completion/completion.hpp"
#include "cli/context.hpp"
#include "cli/exit_code.hpp"
#include "cli/parse_error.hpp"
#include "cli/suggest.hpp"

#include <CLI/CLI.hpp>
#include <grpc/support/log.h>

#include <iostream>
#include <string>
#include <vector>

namespace {

int
run(int argc, char** argv)
{
  CLI::App app{"ryax: build, deploy and run AI and data workflows"};
  app.footer(std::string("\n") + ryax::cli::exit_code_help()
             + "\nSee ryax(1) for every command and the JSON/YAML output.");
  app.set_version_flag("--version", "ryax " RYAX_VERSION);
  app.require_subcommand(1);
  ryax::cli::Context ctx;
  ryax::cli::register_global_options(app, ctx);
  ryax::cli::register_version_command(app, ctx);
  ryax::cli::register_daemon_commands(app, ctx);
  ryax::cli::register_repo_commands(app, ctx);
  ryax::cli::register_action_commands(app, ctx);
  ryax::cli::register_workflow_commands(app, ctx);
  ryax::cli::register_run_commands(app, ctx);
  ryax::cli::register_site_commands(app, ctx);
  ryax::cli::register_deployment_commands(app, ctx);
  ryax::cli::register_identity_commands(app, ctx);
  ryax::cli::register_token_commands(app, ctx);
  ryax::cli::register_login_commands(app, ctx);
  ryax::cli::register_variable_commands(app, ctx);
  ryax::cli::register_apikey_commands(app, ctx);
  ryax::cli::completion::register_completion_command(app, ctx);
  ryax::cli::register_aliases(app);
  if (argc > 1 && argv[1] == ryax::cli::completion::k_complete_command) {
    return ryax::cli::completion::complete(
      app, std::vector<std::string>(argv + 2, argv + argc));
  }
  try {
    app.parse(argc, argv); // runs the chosen command, which sets ctx.exit_code
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (auto message = ryax::cli::unknown_command_message(app, argc, argv)) {
        std::cerr << "ryax: error: " << *message << "\n";
        return ryax::cli::k_exit_usage;
      }
    }
    if (e.get_exit_code() == 0) {
      return app.exit(e); // --help, --version: not an error
    }
    std::cerr << ryax::cli::parse_error_text(app, e, argc, argv);
    return ryax::cli::k_exit_usage;
  }
  return ctx.exit_code;
}

} // namespace

int
main(int argc, char** argv)
{
  // ryax says what failed in its own one line: gRPC's log lines (a failed
  // TLS handshake...) would come on top of it.
  gpr_set_log_function([](gpr_log_func_args*) {});
  return ryax::cli::catch_all([&] { return run(argc, argv); }, std::cerr);
}
