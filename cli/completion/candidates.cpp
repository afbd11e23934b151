#include "cli/completion/candidates.hpp"

#include "cli/client/contexts.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <set>

namespace ryax::cli::completion {

namespace {

// A description on one line, for the shells' "value<TAB>description".
std::string
one_line(std::string text)
{
  std::replace_if(
    text.begin(),
    text.end(),
    [](char c) { return c == '\n' || c == '\t'; },
    ' ');
  return text;
}

// The validator number `index` of `option`, else nullptr (CLI11 throws).
CLI::Validator*
validator_at(CLI::Option& option, int index)
{
  try {
    return option.get_validator(index);
  } catch (const CLI::OptionNotFound&) {
    return nullptr;
  }
}

// The choices of a CLI11 IsMember check ("{table,json,yaml}").
std::vector<Candidate>
choices_of(CLI::Option& option)
{
  std::vector<Candidate> out;
  for (int i = 0; auto* validator = validator_at(option, i); ++i) {
    const auto text = validator->get_description();
    if (text.size() < 2 || !text.starts_with('{') || !text.ends_with('}')) {
      continue;
    }
    std::string item;
    for (const char c : text.substr(1, text.size() - 2)) {
      if (c == ',') {
        out.push_back({ item, "" });
        item.clear();
      } else {
        item += c;
      }
    }
    out.push_back({ item, "" });
  }
  return out;
}

// The contexts of `ryax login` and the local daemon's.
std::vector<Candidate>
contexts()
{
  std::vector<Candidate> out{ { k_local_context, "the local daemon" } };
  if (const auto file = load_contexts()) {
    for (const auto& context : file->contexts) {
      out.push_back({ context.name, context.server });
    }
  }
  return out;
}

std::vector<Candidate>
fixed_values(ArgumentKind kind)
{
  switch (kind) {
    case ArgumentKind::context:
      return contexts();
    case ArgumentKind::run_status:
      return { { "pending", "waiting for its first step" },
               { "running", "a step is running" },
               { "done", "ended without error" },
               { "error", "ended in error" },
               { "cancelled", "stopped by ryax runs cancel" } };
    case ArgumentKind::action_kind:
      return { { "processor", "turns inputs into outputs" },
               { "source", "triggers runs" },
               { "publisher", "sends results out" } };
    case ArgumentKind::log_level:
      return { { "trace", "" }, { "debug", "" }, { "info", "" },
               { "warn", "" },  { "error", "" }, { "off", "" } };
    default:
      return {};
  }
}

bool
hidden(const CLI::Option& option)
{
  return option.get_group().empty();
}

// The options of `command` and of the commands above it, nearest first,
// each name once.
std::vector<Candidate>
options_of(CLI::App* command)
{
  std::vector<Candidate> out;
  std::set<std::string> seen;
  for (; command != nullptr; command = command->get_parent()) {
    for (auto* option : command->get_options()) {
      if (option->get_positional() || hidden(*option)) {
        continue;
      }
      auto names = option->get_lnames().empty() ? option->get_snames()
                                                : option->get_lnames();
      const auto dashes = option->get_lnames().empty() ? "-" : "--";
      for (const auto& name : names) {
        if (seen.insert(dashes + name).second) {
          out.push_back({ dashes + name, one_line(option->get_description()) });
        }
      }
    }
  }
  return out;
}

std::vector<Candidate>
subcommands_of(CLI::App* command)
{
  std::vector<Candidate> out;
  for (auto* sub : command->get_subcommands([](CLI::App*) { return true; })) {
    if (!sub->get_name().empty() && !sub->get_group().empty()) {
      out.push_back({ sub->get_name(), one_line(sub->get_description()) });
    }
  }
  return out;
}

} // namespace

Plan
plan_for(const CommandLine& line)
{
  Plan plan;
  if (line.pending != nullptr) {
    plan.kind = kind_of(line.pending_owner, option_key(*line.pending));
    // Values with descriptions win over the bare choices of a check.
    plan.candidates = fixed_values(plan.kind);
    if (plan.candidates.empty()) {
      plan.candidates = choices_of(*line.pending);
    }
    return plan;
  }
  if (!line.after_separator && line.current.starts_with('-')) {
    plan.candidates = options_of(line.command);
    return plan;
  }
  if (line.positionals == 0 && !line.after_separator) {
    plan.candidates = subcommands_of(line.command);
  }
  if (line.positional != nullptr) {
    plan.kind = kind_of(line.path, option_key(*line.positional));
    auto values = fixed_values(plan.kind);
    if (values.empty()) {
      values = choices_of(*line.positional);
    }
    for (auto& value : values) {
      plan.candidates.push_back(std::move(value));
    }
  }
  return plan;
}

} // namespace ryax::cli::completion
