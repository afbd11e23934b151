// ryax: the command-line client of ryaxd.

#include "cli/aliases.hpp"
#include "cli/catch_all.hpp"
#include "cli/commands/commands.hpp"
#include "cli/completion/completion.hpp"
#include "cli/context.hpp"
#include "cli/exit_code.hpp"
#include "cli/help/help_formatter.hpp"
#include "cli/output/output.hpp"
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
  CLI::App app{"ryax: build, deploy and run AI and data workflows", "ryax"};
  // Before the commands: they inherit it.
  app.formatter(std::make_shared<ryax::cli::help::HelpFormatter>());
  app.footer(std::string("\n") + ryax::cli::exit_code_help()
             + "\nSee ryax(1) for every command and the JSON/YAML output.");
  app.set_version_flag("--version", "ryax " RYAX_VERSION);
  app.require_subcommand(0, 1); // `ryax` alone prints its help
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
  ryax::cli::register_accounting_commands(app, ctx);
  ryax::cli::register_event_commands(app, ctx);
  ryax::cli::completion::register_completion_command(app, ctx);
  ryax::cli::help::register_help_command(app);
  ryax::cli::register_aliases(app);
  if (argc == 2 && std::string_view(argv[1]) == "__examples") {
    std::cout << ryax::cli::help::examples_roff();
    return ryax::cli::k_exit_ok;
  }
  if (argc > 1 && argv[1] == ryax::cli::completion::k_complete_command) {
    return ryax::cli::completion::complete(
      app, std::vector<std::string>(argv + 2, argv + argc));
  }
  // `ryax help CMD...` is `ryax CMD... --help`.
  std::vector<std::string> words(argv, argv + argc);
  if (argc > 2 && words[1] == "help" && !words[2].starts_with('-')) {
    if (auto message = ryax::cli::unknown_command_message(app, argc - 1, argv + 1)) {
      std::cerr << "ryax: error: " << *message << "\n";
      return ryax::cli::k_exit_usage;
    }
    words.erase(words.begin() + 1);
    words.emplace_back("--help");
  }
  std::vector<char*> args;
  for (auto& word : words) {
    args.push_back(word.data());
  }
  argc = static_cast<int>(args.size());
  argv = args.data();
  try {
    app.parse(argc, argv); // runs the chosen command, which sets ctx.exit_code
    if (const int failed = ryax::cli::output::output_failure(); failed != 0) {
      return failed;
    }
    if (app.get_subcommands().empty()) {
      std::cout << app.help();
      return ryax::cli::k_exit_ok;
    }
  } catch (const CLI::ParseError& e) {
    if (auto message = ryax::cli::unknown_command_message(app, argc, argv)) {
      std::cerr << "ryax: error: " << *message << "\n";
      return ryax::cli::k_exit_usage;
    }
    // A group alone (`ryax runs`): its help.
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr
        && std::string(e.what()).find("subcommand is required") != std::string::npos) {
      const CLI::App* group = &app;
      while (!group->get_subcommands().empty()) {
        group = group->get_subcommands().front();
      }
      const auto path = ryax::cli::help::path_of(group->get_parent());
      std::cout << group->help(path.empty() ? "ryax" : "ryax " + path);
      return ryax::cli::k_exit_ok;
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
