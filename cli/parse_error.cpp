#include "cli/parse_error.hpp"

#include "core/domain/suggest.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <regex>
#include <vector>

namespace ryax::cli {

namespace {

// The subcommands named in `argv`, from the top: the last one is the
// command whose flags apply.
std::vector<CLI::App*>
command_chain(CLI::App& app, int argc, char** argv)
{
  std::vector<CLI::App*> chain{ &app };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto* current = chain.back();
    if (arg.starts_with('-')) {
      const auto name = arg.substr(0, arg.find('='));
      const CLI::Option* option = nullptr;
      for (auto* command : chain) {
        if ((option = command->get_option_no_throw(name)) != nullptr) {
          break;
        }
      }
      if (option != nullptr && option->get_type_size() > 0
          && arg.find('=') == std::string::npos) {
        ++i; // its value
      }
      continue;
    }
    const auto named = current->get_subcommands(
      [&](CLI::App* sub) { return sub->get_name() == arg; });
    auto* next = named.empty() ? nullptr : named.front();
    if (next == nullptr) {
      continue; // a positional argument
    }
    chain.push_back(next);
  }
  return chain;
}

// Every option name ("--output", "-o") that the command `chain` takes.
std::vector<std::string>
known_options(const std::vector<CLI::App*>& chain)
{
  std::vector<std::string> names{ "--help" };
  for (auto* command : chain) {
    for (const auto* option : command->get_options()) {
      for (const auto& name : option->get_lnames()) {
        names.push_back("--" + name);
      }
      for (const auto& name : option->get_snames()) {
        names.push_back("-" + name);
      }
    }
  }
  return names;
}

bool
is_known(const std::vector<std::string>& names, const std::string& arg)
{
  const auto name = arg.substr(0, arg.find('='));
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string
rewrite(const std::string& what, const std::vector<CLI::App*>& chain,
        int argc, char** argv)
{
  // "The following arguments were not expected: json --outptu"
  if (what.starts_with("The following argument")) {
    const auto names = known_options(chain);
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg.starts_with('-') && arg != "-" && !is_known(names, arg)) {
        const auto name = arg.substr(0, arg.find('='));
        return fmt::format("unknown option \"{}\"{}", name,
                           domain::did_you_mean(name, names));
      }
    }
    const auto colon = what.find(": ");
    return fmt::format("unexpected argument{} {}",
                       what.find(' ', colon + 2) == std::string::npos ? "" : "s",
                       colon == std::string::npos ? what : what.substr(colon + 2));
  }
  // "--output: jsn not in {table,json,yaml}"
  static const std::regex k_not_in(R"(^(.*): (.*) not in \{(.*)\}$)");
  std::smatch match;
  if (std::regex_match(what, match, k_not_in)) {
    std::vector<std::string> choices;
    std::string listed;
    std::string rest = match[3];
    for (std::size_t at = 0; at <= rest.size();) {
      const auto comma = std::min(rest.find(',', at), rest.size());
      choices.push_back(rest.substr(at, comma - at));
      listed += (listed.empty() ? "" : ", ") + choices.back();
      at = comma + 1;
    }
    const std::string value = match[2];
    return fmt::format("{}: \"{}\" is not one of {}{}", match[1].str(), value,
                       listed, domain::did_you_mean(value, choices));
  }
  return what;
}

} // namespace

std::string
parse_error_text(CLI::App& app, const CLI::ParseError& error, int argc,
                 char** argv)
{
  const auto chain = command_chain(app, argc, argv);
  std::string command = "ryax";
  for (std::size_t i = 1; i < chain.size(); ++i) {
    command += " " + chain[i]->get_name();
  }
  std::string what = error.what();
  std::replace(what.begin(), what.end(), '\n', ' ');
  return fmt::format("ryax: error: {}: {}\nryax: hint: see \"{} --help\"\n",
                     command, rewrite(what, chain, argc, argv), command);
}

} // namespace ryax::cli
