#include "core/application/run_starter.hpp"

#include "core/application/log.hpp"
#include "core/domain/http_trigger.hpp"
#include "core/domain/identity.hpp"
#include "core/domain/path.hpp"
#include "core/domain/suggest.hpp"
#include "core/domain/timer_trigger.hpp"

#include <fmt/format.h>

#include <set>

namespace ryax::app {

bool
is_valid_upload_name(const std::string& name)
{
  return !name.empty() && name != "." && name != ".."
         && name.find('/') == std::string::npos
         && name.find('\0') == std::string::npos;
}

bool
is_valid_upload_entry(const std::string& path)
{
  return domain::is_safe_relative_path(path)
         && path.find('\0') == std::string::npos;
}

RunStarter::RunStarter(RunDefinitions& definitions,
                       RunEngine& engine,
                       RunJournal& journal,
                       RunQueries& queries,
                       RunStaging& staging,
                       RunFileStore& files,
                       IdGenerator& ids,
                       Clock& clock,
                       VariableStore& variables)
  : m_definitions(definitions)
  , m_engine(engine)
  , m_journal(journal)
  , m_queries(queries)
  , m_staging(staging)
  , m_files(files)
  , m_ids(ids)
  , m_clock(clock)
  , m_variables(variables)
{
}

Result<domain::Outputs>
RunStarter::trigger_values(const StartRunRequest& request,
                           const RunDefinition& definition,
                           std::vector<std::string>& held)
{
  const auto& specs = definition.workflow->step(0).outputs;
  std::vector<std::string_view> names;
  for (const auto& spec : specs) {
    names.push_back(spec.name);
  }
  const auto find_spec =
    [&](const std::string& name) -> Result<const domain::IoSpec*> {
    for (const auto& spec : specs) {
      if (spec.name == name) {
        return &spec;
      }
    }
    auto message = fmt::format(
      "workflow \"{}\" has no input \"{}\"", request.workflow_id, name);
    if (auto near = domain::did_you_mean(name, names); !near.empty()) {
      message += near;
    } else if (names.empty()) {
      message += ": its trigger declares no output";
    } else {
      message += fmt::format(": its inputs are {}", fmt::join(names, ", "));
    }
    return fail(ErrorCode::invalid_argument, message);
  };
  domain::Outputs values;
  std::set<std::string> given;
  const auto once = [&](const std::string& name) -> Result<void> {
    if (!given.insert(name).second) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\" is given twice", name));
    }
    return {};
  };
  for (const auto& [name, text] : request.values) {
    RYAX_TRY_ASSIGN(const auto* spec, find_spec(name));
    RYAX_TRY(once(name));
    RYAX_TRY_ASSIGN(values[name], domain::parse_value_text(*spec, text));
  }
  for (const auto& [name, value] : request.outputs) {
    RYAX_TRY(find_spec(name));
    RYAX_TRY(once(name));
    if (std::holds_alternative<domain::FileRef>(value)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("output \"{}\": files and directories of a "
                              "source are not supported yet",
                              name));
    }
    values[name] = value;
  }
  domain::mark_secrets(values, specs);
  for (const auto& upload : request.files) {
    RYAX_TRY_ASSIGN(const auto* spec, find_spec(upload.name));
    RYAX_TRY(once(upload.name));
    const bool want_directory = spec->type == domain::IoType::directory;
    if (spec->type != domain::IoType::file && !want_directory) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\" is a {}: give it with --input "
                              "{}=VALUE",
                              upload.name,
                              domain::to_string(spec->type),
                              upload.name));
    }
    if (want_directory != upload.directory) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\" is a {}, not a {}",
                              upload.name,
                              domain::to_string(spec->type),
                              upload.directory ? "directory" : "file"));
    }
    if (!is_valid_upload_name(upload.file_name)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--file {}: \"{}\" is not a valid file name",
                              upload.name,
                              upload.file_name));
    }
    for (const auto& entry : upload.entries) {
      if (!is_valid_upload_entry(entry.path)) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("--file {}: entry \"{}\" escapes its "
                                "directory",
                                upload.name,
                                entry.path));
      }
    }
    RYAX_TRY_ASSIGN(auto ref, m_staging.put_upload(upload));
    held.push_back(ref.key);
    values[upload.name] = std::move(ref);
  }
  return values;
}

Result<domain::Values>
RunStarter::variables(const StartRunRequest& request,
                      const RunDefinition& definition)
{
  const auto project = request.project.empty()
                         ? std::string(domain::k_default_project)
                         : request.project;
  domain::Values values;
  for (const auto& use : definition.variables) {
    const auto where =
      fmt::format("step \"{}\" input \"{}\"", use.step, use.input);
    auto found = values.find(use.name);
    if (found == values.end()) {
      RYAX_TRY_ASSIGN(auto variable, m_variables.get(project, use.name));
      if (!variable) {
        return fail(ErrorCode::not_found,
                    fmt::format("{}: project variable \"{}\" is not defined "
                                "in project \"{}\" (ryax variable set {} "
                                "VALUE)",
                                where,
                                use.name,
                                project,
                                use.name));
      }
      found = values.emplace(use.name, std::move(variable->value)).first;
    }
    if (use.spec != nullptr && !domain::value_fits(*use.spec, found->second)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: project variable \"{}\" holds a {}, the "
                              "input takes a {}",
                              where,
                              use.name,
                              domain::value_type_name(found->second),
                              domain::to_string(use.spec->type)));
    }
  }
  return values;
}

Result<RunView>
RunStarter::start(const StartRunRequest& request)
{
  RYAX_TRY_ASSIGN(auto definition,
                  m_definitions.deployed(request.project, request.workflow_id));
  const auto& workflow = *definition->workflow;
  const auto& trigger = workflow.step(0);
  if (trigger.from != "manual" && !request.by_trigger) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("workflow \"{}\" starts from trigger \"{}\": "
                            "{}, not \"ryax run\" (only workflows triggered "
                            "by \"manual\" start with \"ryax run\")",
                            request.workflow_id,
                            trigger.from,
                            domain::is_http_trigger(trigger.from)
                              ? "its runs start from HTTP requests to ryaxd"
                              : "ryaxd starts its runs itself while it is "
                                "deployed"));
  }
  std::vector<std::string> held;
  // Uploads are held until the run naming them is durable (or refused).
  struct Release
  {
    RunFileStore& files;
    std::vector<std::string>& keys;
    ~Release()
    {
      if (!keys.empty()) {
        files.release(keys);
      }
    }
  } release{ m_files, held };

  RYAX_TRY_ASSIGN(auto values, trigger_values(request, *definition, held));
  RYAX_TRY_ASSIGN(auto read, variables(request, *definition));
  RYAX_TRY_ASSIGN(auto run,
                  domain::start(m_ids.new_run_id(),
                                workflow,
                                definition->version,
                                std::move(values),
                                m_clock.now_unix_ms()));
  const auto id = run.id;
  auto view = m_queries.view_of(
    StoredRun{ run, definition->actions, request.priority, definition->project },
    &workflow,
    definition.get(),
    1);
  RYAX_TRY_ASSIGN(
    const auto sequence,
    m_engine.admit(
      std::move(run), definition, request.priority, std::move(read)));
  const auto synced = m_journal.sync(sequence);
  const auto created = m_engine.creation_outcome(id);
  RYAX_TRY(synced);
  RYAX_TRY(created);
  log::info("run {} of workflow {} version {} started",
            id,
            request.workflow_id,
            definition->version);
  return view;
}

} // namespace ryax::app
