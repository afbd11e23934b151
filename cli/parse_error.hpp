#pragma once

#include <string>

namespace CLI {
class App;
class ParseError;
} // namespace CLI

namespace ryax::cli {

// What ryax prints for a command line CLI11 refused (exit 2): one line
// "ryax: error: COMMAND: MESSAGE" where an unknown option or a value
// outside a flag's choices gets its near miss ("did you mean ...?"), then
// one line "ryax: hint: see \"COMMAND --help\"". COMMAND is the command
// as far as it was typed ("ryax repo list").
std::string parse_error_text(CLI::App& app, const CLI::ParseError& error,
                             int argc, char** argv);

} // namespace ryax::cli
