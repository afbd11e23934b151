#include "core/domain/run.hpp"

#include "core/domain/run_branches.hpp"

#include <algorithm>
#include <charconv>

namespace ryax::domain {

namespace {

constexpr std::string_view k_run_state_names[] = { "pending",
                                                   "running",
                                                   "done",
                                                   "error",
                                                   "cancelled" };
constexpr std::string_view k_step_state_names[] = { "waiting", "scheduled",
                                                    "running", "done",
                                                    "error",   "cancelled" };

// Numeric order of decimal components without leading zeros: shorter is
// smaller, then text order.
std::strong_ordering
compare_component(std::string_view a, std::string_view b)
{
  if (a.size() != b.size()) {
    return a.size() <=> b.size();
  }
  const auto c = a.compare(b);
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater
                        : std::strong_ordering::equal);
}

// Component by component, without allocating: map lookups compare keys
// many times.
std::strong_ordering
compare_branches(std::string_view a, std::string_view b)
{
  while (!a.empty() && !b.empty()) {
    const auto left = take_component(a);
    const auto right = take_component(b);
    if (const auto c = compare_component(left, right); c != 0) {
      return c;
    }
  }
  return !a.empty() <=> !b.empty();
}

} // namespace

std::string_view
to_string(RunState state)
{
  return k_run_state_names[static_cast<std::size_t>(state)];
}

std::string_view
to_string(StepState state)
{
  return k_step_state_names[static_cast<std::size_t>(state)];
}

std::optional<RunState>
parse_run_state(std::string_view text)
{
  for (const auto state : k_all_run_states) {
    if (to_string(state) == text) {
      return state;
    }
  }
  return std::nullopt;
}

std::optional<StepState>
parse_step_state(std::string_view text)
{
  for (const auto state : k_all_step_states) {
    if (to_string(state) == text) {
      return state;
    }
  }
  return std::nullopt;
}

bool
can_transition(RunState from, RunState to)
{
  switch (from) {
    case RunState::pending:
      return to != RunState::pending;
    case RunState::running:
      return is_final(to);
    case RunState::done:
    case RunState::error:
    case RunState::cancelled:
      return false;
  }
  return false;
}

bool
can_transition(StepState from, StepState to)
{
  switch (from) {
    case StepState::waiting:
      return to == StepState::scheduled || to == StepState::error ||
             to == StepState::cancelled;
    case StepState::scheduled:
      return to == StepState::running || to == StepState::waiting ||
             to == StepState::error || to == StepState::cancelled;
    case StepState::running:
      return to == StepState::waiting || is_final(to);
    case StepState::done:
    case StepState::error:
    case StepState::cancelled:
      return false;
  }
  return false;
}

bool
is_final(RunState state)
{
  return state == RunState::done || state == RunState::error ||
         state == RunState::cancelled;
}

bool
is_final(StepState state)
{
  return state == StepState::done || state == StepState::error ||
         state == StepState::cancelled;
}

std::string_view
value_type_name(const Value& value)
{
  struct Name
  {
    std::string_view
    operator()(std::monostate) const
    {
      return "null";
    }
    std::string_view
    operator()(bool) const
    {
      return "boolean";
    }
    std::string_view
    operator()(std::int64_t) const
    {
      return "integer";
    }
    std::string_view
    operator()(double) const
    {
      return "float";
    }
    std::string_view
    operator()(const std::string&) const
    {
      return "string";
    }
    std::string_view
    operator()(const FileRef& file) const
    {
      return file.directory ? "directory" : "file";
    }
    std::string_view
    operator()(const Secret&) const
    {
      return "password";
    }
  };
  return std::visit(Name{}, value);
}

void
mark_secrets(Values& values, const std::vector<IoSpec>& specs)
{
  for (const auto& spec : specs) {
    if (spec.type != IoType::password) {
      continue;
    }
    const auto it = values.find(spec.name);
    if (it == values.end()) {
      continue;
    }
    if (auto* text = std::get_if<std::string>(&it->second)) {
      it->second = Secret{ std::move(*text) };
    }
  }
}

bool
value_fits(const IoSpec& spec, const Value& value)
{
  if (std::holds_alternative<std::monostate>(value)) {
    return spec.optional;
  }
  // A Secret is text that is marked: it fits wherever text does.
  const auto* secret = std::get_if<Secret>(&value);
  const auto* text = secret != nullptr ? &secret->text : std::get_if<std::string>(&value);
  const auto* file = std::get_if<FileRef>(&value);
  switch (spec.type) {
    case IoType::password:
    case IoType::string:
    case IoType::longstring:
    case IoType::bytes:
      return text != nullptr;
    case IoType::enum_:
      return text != nullptr && (spec.enum_values.empty() ||
                                 std::ranges::find(spec.enum_values, *text) !=
                                   spec.enum_values.end());
    case IoType::integer:
      return std::holds_alternative<std::int64_t>(value);
    case IoType::float_:
      return std::holds_alternative<double>(value) ||
             std::holds_alternative<std::int64_t>(value);
    case IoType::boolean:
      return std::holds_alternative<bool>(value);
    case IoType::file:
      return file != nullptr && !file->directory;
    case IoType::directory:
      return file != nullptr && file->directory;
    case IoType::table:
      return true;
  }
  return false;
}

std::string
child_branch(std::string_view parent, std::size_t index)
{
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof(digits), index).ptr;
  std::string branch(parent);
  if (!branch.empty()) {
    branch += '.';
  }
  branch.append(digits, end);
  return branch;
}

std::optional<std::string>
parent_branch(std::string_view branch)
{
  if (branch.empty()) {
    return std::nullopt;
  }
  const auto dot = branch.rfind('.');
  return dot == std::string_view::npos ? std::string()
                                       : std::string(branch.substr(0, dot));
}

std::size_t
branch_depth(std::string_view branch)
{
  return branch.empty() ? 0
                        : static_cast<std::size_t>(
                            std::count(branch.begin(), branch.end(), '.')) +
                            1;
}

bool
is_branch_prefix(std::string_view prefix, std::string_view branch)
{
  if (prefix.empty() || prefix == branch) {
    return true;
  }
  return branch.size() > prefix.size() && branch.starts_with(prefix) &&
         branch[prefix.size()] == '.';
}

bool
branch_less(std::string_view a, std::string_view b)
{
  return compare_branches(a, b) < 0;
}

std::strong_ordering
StepKey::operator<=>(const StepKey& other) const
{
  if (const auto c = step.compare(other.step); c != 0) {
    return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  return compare_branches(branch, other.branch);
}

std::string
describe(const StepKey& key)
{
  auto text = "step \"" + key.step + '"';
  if (!key.branch.empty()) {
    text += " (branch \"" + key.branch + "\")";
  }
  return text;
}

const StepRun*
Run::find(const StepKey& key) const
{
  const auto it = steps.find(key);
  return it == steps.end() ? nullptr : &it->second;
}

StepRun*
Run::find(const StepKey& key)
{
  const auto it = steps.find(key);
  return it == steps.end() ? nullptr : &it->second;
}

void
Run::recount()
{
  counts = {};
  for (const auto& [key, step] : steps) {
    ++counts[static_cast<std::size_t>(step.state)];
  }
}

} // namespace ryax::domain
