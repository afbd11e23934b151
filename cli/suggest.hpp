#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace ryax::cli {

// When `argv` names a subcommand that does not exist, the one-line message
// saying so, with the nearest existing name ("did you mean ...?").
std::optional<std::string> unknown_command_message(CLI::App& app, int argc,
                                                   char** argv);

} // namespace ryax::cli
