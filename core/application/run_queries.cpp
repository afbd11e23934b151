#include "core/application/run_queries.hpp"

#include "core/domain/suggest.hpp"
#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace ryax::app {

namespace {

constexpr std::string_view k_redacted = "********";

// The specs of values whose step or trigger is unknown.
const std::vector<domain::IoSpec> k_no_specs;

// Every Secret of `values`, and every string of a password spec (a value
// stored before secrets were marked), as "********".
void
redact(domain::Values& values, const std::vector<domain::IoSpec>& specs)
{
  for (auto& [name, value] : values) {
    if (std::holds_alternative<domain::Secret>(value)) {
      value = std::string(k_redacted);
    }
  }
  for (const auto& spec : specs) {
    if (spec.type != domain::IoType::password) {
      continue;
    }
    if (auto it = values.find(spec.name);
        it != values.end()
        && std::holds_alternative<std::string>(it->second)) {
      it->second = std::string(k_redacted);
    }
  }
}

} // namespace

Result<void>
has_step(const RunView& view, const std::string& step)
{
  if (std::find(view.step_order.begin(), view.step_order.end(), step)
      != view.step_order.end()) {
    return {};
  }
  std::vector<std::string_view> steps(view.step_order.begin(),
                                      view.step_order.end());
  auto message =
    fmt::format("run \"{}\" has no step \"{}\"", view.stored.run.id, step);
  if (auto near = domain::did_you_mean(step, steps); !near.empty()) {
    message += near;
  } else if (!steps.empty()) {
    message += fmt::format(": its steps are {}", fmt::join(steps, ", "));
  }
  return fail(ErrorCode::not_found, message);
}

RunQueries::RunQueries(RunEngine& engine,
                       RunJournal& journal,
                       RunDefinitions& definitions,
                       RunStore& runs,
                       RunLogStore& logs,
                       RunFileStore& files,
                       ActionCatalogue& catalogue)
  : m_engine(engine)
  , m_journal(journal)
  , m_definitions(definitions)
  , m_runs(runs)
  , m_logs(logs)
  , m_files(files)
  , m_catalogue(catalogue)
{
}

RunView
RunQueries::view_of(StoredRun stored,
                    const domain::CompiledWorkflow* workflow,
                    const RunDefinition* definition,
                    std::uint64_t generation)
{
  RunView view;
  view.generation = generation;
  auto& run = stored.run;
  const auto* trigger = workflow != nullptr ? &workflow->step(0) : nullptr;
  redact(run.trigger_values, trigger != nullptr ? trigger->outputs : k_no_specs);
  // The metadata of each action version, looked up once per version.
  std::map<std::string, std::optional<domain::ActionMetadata>> metadata;
  const auto metadata_of =
    [&](const std::string& step) -> const domain::ActionMetadata* {
    if (definition != nullptr) {
      if (const auto index = definition->workflow->index(step)) {
        const auto& plan = definition->plans[*index];
        return plan.spec ? &plan.spec->action.metadata : nullptr;
      }
      return nullptr;
    }
    const auto a = stored.actions.find(step);
    if (a == stored.actions.end()) {
      return nullptr;
    }
    auto it = metadata.find(a->second);
    if (it == metadata.end()) {
      std::optional<domain::ActionMetadata> meta;
      if (auto ref = domain::parse_action_ref(a->second)) {
        if (auto version =
              m_catalogue.find(stored.project, ref->id, ref->version);
            version && *version) {
          meta = (*version)->metadata;
        }
      }
      it = metadata.emplace(a->second, std::move(meta)).first;
    }
    return it->second ? &*it->second : nullptr;
  };
  for (auto& [key, step] : run.steps) {
    if (trigger != nullptr && key.step == trigger->id) {
      for (auto& set : step.output_sets) {
        redact(set, trigger->outputs);
      }
      continue;
    }
    // Without its metadata (a version gone from the catalogue), the
    // secrets marked are redacted still.
    const auto* found = metadata_of(key.step);
    redact(step.inputs, found != nullptr ? found->inputs : k_no_specs);
    for (auto& set : step.output_sets) {
      redact(set, found != nullptr ? found->outputs : k_no_specs);
    }
  }
  if (workflow != nullptr) {
    view.results = domain::results(run, *workflow);
    view.trigger_step = trigger->id;
    for (const auto& action : workflow->definition().actions) {
      view.step_order.push_back(action.id);
    }
  }
  view.stored = std::move(stored);
  return view;
}

Result<RunView>
RunQueries::get(const std::string& id)
{
  if (auto snapshot = m_engine.snapshot(id)) {
    // Show only what is durable: a crash must not take back what was seen.
    RYAX_TRY(m_journal.sync(snapshot->last_change));
    const auto* definition = snapshot->definition.get();
    auto view = view_of(std::move(snapshot->stored),
                        definition->workflow.get(),
                        definition,
                        snapshot->generation);
    view.statuses = std::move(snapshot->statuses);
    return view;
  }
  RYAX_TRY_ASSIGN(auto stored, m_runs.load(id));
  if (!stored) {
    return fail(ErrorCode::not_found, fmt::format("run \"{}\" not found", id));
  }
  auto workflow = m_definitions.compiled(stored->project,
                                         stored->run.workflow_id,
                                         stored->run.workflow_version);
  return view_of(std::move(*stored),
                 workflow ? workflow->get() : nullptr,
                 nullptr,
                 std::numeric_limits<std::uint64_t>::max());
}

Result<RunView>
RunQueries::wait_change(const std::string& id,
                        std::uint64_t seen,
                        std::chrono::steady_clock::time_point deadline)
{
  m_engine.wait_change(id, seen, false, deadline);
  return get(id);
}

Result<RunView>
RunQueries::wait_final(const std::string& id,
                       std::chrono::steady_clock::time_point deadline)
{
  m_engine.wait_change(id, 0, true, deadline);
  return get(id);
}

Result<std::vector<RunSummary>>
RunQueries::list(const RunFilter& filter)
{
  return m_runs.list(filter);
}

Result<std::pair<std::vector<RunLogRecord>, std::uint64_t>>
RunQueries::read_log(const std::string& id, std::uint64_t offset)
{
  return m_logs.read(id, offset);
}

Result<std::pair<std::string, domain::FileRef>>
RunQueries::file_of(const std::string& id, const std::string& key)
{
  RYAX_TRY_ASSIGN(const auto view, get(id));
  const auto& run = view.stored.run;
  std::optional<domain::FileRef> found;
  const auto look = [&](const domain::Values& values) {
    for (const auto& [name, value] : values) {
      if (const auto* ref = std::get_if<domain::FileRef>(&value);
          ref != nullptr && ref->key == key) {
        found = *ref;
      }
    }
  };
  look(run.trigger_values);
  for (const auto& [step_key, step] : run.steps) {
    look(step.inputs);
    for (const auto& set : step.output_sets) {
      look(set);
    }
  }
  if (!found) {
    return fail(ErrorCode::not_found,
                fmt::format("run \"{}\" has no file \"{}\"", id, key));
  }
  RYAX_TRY_ASSIGN(auto path, m_files.blob_path(*found));
  return std::pair{ std::move(path), *found };
}

} // namespace ryax::app
