#include "cli/completion/command_line.hpp"

#include <CLI/CLI.hpp>

namespace ryax::cli::completion {

namespace {

bool
takes_value(const CLI::Option& option)
{
  return !option.get_positional() && option.get_expected_max() > 0;
}

// `name` ("--workflow" or "-o") among the options of `command` or of the
// commands above it (global options fall through), with the path of the
// command that declares it.
std::pair<CLI::Option*, std::string>
find_option(CLI::App* command, std::string path, const std::string& name)
{
  for (; command != nullptr; command = command->get_parent()) {
    for (auto* option : command->get_options()) {
      if (!option->get_positional() && option->check_name(name)) {
        return { option, path };
      }
    }
    path = path.contains(' ') ? path.substr(0, path.rfind(' ')) : "";
  }
  return { nullptr, "" };
}

CLI::App*
find_subcommand(CLI::App* command, const std::string& name)
{
  for (auto* sub : command->get_subcommands([](CLI::App*) { return true; })) {
    if (!sub->get_name().empty() && sub->check_name(name)) {
      return sub;
    }
  }
  return nullptr;
}

// The positional of `command` that the positional word number `index`
// (from 0) fills, else nullptr.
CLI::Option*
positional_at(CLI::App* command, std::size_t index)
{
  for (auto* option : command->get_options()) {
    if (!option->get_positional()) {
      continue;
    }
    const auto takes =
      static_cast<std::size_t>(std::max(option->get_items_expected_max(), 1));
    if (index < takes) {
      return option;
    }
    index -= takes;
  }
  return nullptr;
}

} // namespace

std::string
option_key(const CLI::Option& option)
{
  if (!option.get_lnames().empty()) {
    return "--" + option.get_lnames().front();
  }
  if (!option.get_snames().empty()) {
    return "-" + option.get_snames().front();
  }
  return option.get_name(true);
}

std::string
first_value(const CommandLine& line, const std::string& key)
{
  const auto found = line.values.find(key);
  return found == line.values.end() || found->second.empty()
           ? std::string()
           : found->second.front();
}

CommandLine
read_command_line(CLI::App& root, const std::vector<std::string>& words)
{
  CommandLine line;
  line.command = &root;
  std::size_t positionals = 0;
  CLI::Option* pending = nullptr;
  std::string pending_owner;
  const auto before = words.empty() ? 0 : words.size() - 1;
  for (std::size_t i = 0; i < before; ++i) {
    const auto& word = words[i];
    if (pending != nullptr) {
      line.values[option_key(*pending)].push_back(word);
      pending = nullptr;
      continue;
    }
    if (!line.after_separator && word == "--") {
      line.after_separator = true;
      continue;
    }
    if (!line.after_separator && word.size() > 1 && word.starts_with('-')) {
      const auto equals = word.find('=');
      auto [option, owner] =
        find_option(line.command, line.path, word.substr(0, equals));
      if (option == nullptr || !takes_value(*option)) {
        continue;
      }
      if (equals != std::string::npos) {
        line.values[option_key(*option)].push_back(word.substr(equals + 1));
      } else {
        pending = option;
        pending_owner = owner;
      }
      continue;
    }
    if (!line.after_separator && positionals == 0) {
      if (auto* sub = find_subcommand(line.command, word)) {
        line.command = sub;
        line.path += (line.path.empty() ? "" : " ") + sub->get_name();
        continue;
      }
    }
    if (auto* positional = positional_at(line.command, positionals)) {
      line.values[option_key(*positional)].push_back(word);
    }
    ++positionals;
  }

  line.current = words.empty() ? std::string() : words.back();
  line.positionals = positionals;
  if (pending != nullptr) {
    line.pending = pending;
    line.pending_owner = pending_owner;
    return line;
  }
  if (!line.after_separator && line.current.starts_with("--")) {
    const auto equals = line.current.find('=');
    if (equals != std::string::npos) {
      auto [option, owner] =
        find_option(line.command, line.path, line.current.substr(0, equals));
      if (option != nullptr && takes_value(*option)) {
        line.pending = option;
        line.pending_owner = owner;
        line.value_prefix = line.current.substr(0, equals + 1);
        line.current = line.current.substr(equals + 1);
      }
      return line;
    }
  }
  line.positionals = positionals;
  line.positional = positional_at(line.command, positionals);
  return line;
}

} // namespace ryax::cli::completion
