#include "cli/aliases.hpp"

#include <CLI/CLI.hpp>

#include <string_view>
#include <utility>

namespace ryax::cli {

namespace {

constexpr std::pair<std::string_view, std::string_view> k_aliases[] = {
  { "list", "ls" },
  { "rm", "delete" },
  { "show", "get" },
};

void
alias_children(CLI::App& app)
{
  for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    for (const auto& [verb, alias] : k_aliases) {
      if (sub->get_name() != verb) {
        continue;
      }
      try {
        sub->alias(std::string(alias));
      } catch (const CLI::OptionAlreadyAdded&) {
        // A command that has a child of the alias' name keeps it.
      }
    }
    alias_children(*sub);
  }
}

} // namespace

void
register_aliases(CLI::App& app)
{
  alias_children(app);
}

} // namespace ryax::cli
