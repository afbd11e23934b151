#include "cli/suggest.hpp"

#include "core/domain/action.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <vector>

namespace ryax::cli {

std::optional<std::string>
unknown_command_message(CLI::App& app, int argc, char** argv)
{
  CLI::App* current = &app;
  std::string path = "ryax";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with('-')) {
      // Skip the value of an option that takes one ("-o json").
      const auto name = arg.substr(0, arg.find('='));
      const auto* option = current->get_option_no_throw(name);
      if (option == nullptr && current != &app) {
        option = app.get_option_no_throw(name);
      }
      if (option != nullptr && option->get_type_size() > 0
          && arg.find('=') == std::string::npos) {
        ++i;
      }
      continue;
    }
    auto subcommands = current->get_subcommands([](CLI::App*) { return true; });
    if (subcommands.empty()) {
      return std::nullopt; // a positional argument
    }
    CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (auto* sub : subcommands) {
      if (sub->get_group().empty()) {
        continue; // hidden
      }
      names.push_back(sub->get_name());
      if (sub->get_name() == arg) {
        next = sub;
      }
    }
    if (next == nullptr) {
      for (auto* sub : subcommands) {
        if (sub->get_name() == arg) {
          next = sub;
        }
      }
    }
    if (next == nullptr) {
      std::vector<std::string_view> candidates(names.begin(), names.end());
      std::string message =
        fmt::format("unknown command \"{} {}\"", path, arg);
      if (auto near = domain::closest_match(arg, candidates)) {
        message += fmt::format(" (did you mean \"{} {}\"?)", path, *near);
      } else {
        message += fmt::format(" (see \"{} --help\")", path);
      }
      return message;
    }
    current = next;
    path += " " + arg;
  }
  return std::nullopt;
}

} // namespace ryax::cli
