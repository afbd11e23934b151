#pragma once

#include <map>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
} // namespace CLI

namespace ryax::cli::completion {

// What the words typed before the cursor say, read against the CLI11 tree of
// `ryax` (the one source of the commands, options and their descriptions).
struct CommandLine
{
  // The deepest command named: the top level when no subcommand is typed.
  CLI::App* command = nullptr;
  // Its path as typed after `ryax`: "runs show" ("" for the top level).
  std::string path;
  // The values given so far, by option long name ("--workflow") or by
  // positional name ("run"), in order.
  std::map<std::string, std::vector<std::string>> values;
  // The option the word under the cursor is the value of, else nullptr:
  // after "--status " or in "--status=ru".
  CLI::Option* pending = nullptr;
  // The command path of the app that declares `pending` ("" for a global
  // option).
  std::string pending_owner;
  // The positional argument the word under the cursor would fill, else
  // nullptr.
  CLI::Option* positional = nullptr;
  // The word under the cursor, without "--name=" when it is in that form.
  std::string current;
  // "--status=" when the word under the cursor is "--status=ru", else "":
  // every candidate for the value is printed with it in front.
  std::string value_prefix;
  // How many positional words the command has before the cursor.
  std::size_t positionals = 0;
  // A "--" came before the word: it is a positional, never an option.
  bool after_separator = false;
};

// Read `words` (everything after `ryax` up to and including the word under
// the cursor, which may be empty) against the tree of `root`. Unknown words
// are skipped, never an error.
CommandLine read_command_line(CLI::App& root,
                              const std::vector<std::string>& words);

// The long name of `option` ("--workflow"), else its short one ("-o"), else
// its positional name ("run").
std::string option_key(const CLI::Option& option);

// The first value given for `key` in `line`, else "".
std::string first_value(const CommandLine& line, const std::string& key);

} // namespace ryax::cli::completion
