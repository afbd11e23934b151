#include "cli/commands/action_test.hpp"

#include "cli/exit_code.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"
#include "cli/output/progress.hpp"
#include "core/domain/build.hpp"
#include "core/domain/run_values.hpp"
#include "core/domain/suggest.hpp"
#include "core/infrastructure/build/local_action_builder.hpp"
#include "core/infrastructure/config/paths.hpp"
#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/json/action_json.hpp"
#include "core/infrastructure/wrapper/wrapper_client.hpp"
#include "core/infrastructure/yaml/action_metadata_parser.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace ryax::cli {

namespace {

// The most a file of the action directory read here may hold: the
// metadata, its logo, the files of the environment.
constexpr std::uint64_t k_max_action_file_bytes = std::uint64_t{ 16 } << 20;

Result<domain::ActionMetadata>
load_metadata(const fs::path& dir)
{
  const auto file = dir / "ryax_metadata.yaml";
  const auto text = infra::files::read_file(file, k_max_action_file_bytes);
  if (!text) {
    if (text.error().code == ErrorCode::not_found) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("no ryax_metadata.yaml in \"{}\"", dir.string()));
    }
    return std::unexpected(text.error());
  }
  const auto parsed = infra::yaml::parse_action_metadata(
    *text,
    file.string(),
    [&](const std::string& relative) -> std::optional<std::string> {
      auto content =
        infra::files::read_file(dir / relative, k_max_action_file_bytes);
      return content ? std::optional(std::move(*content)) : std::nullopt;
    });
  if (!parsed.ok()) {
    std::string message;
    for (const auto& d : parsed.diagnostics) {
      message += (message.empty() ? "" : "\n") + domain::format_diagnostic(d);
    }
    return fail(ErrorCode::invalid_argument, message);
  }
  return *parsed.metadata;
}

// The files that decide the environment, hashed into the cache key: the
// code itself is run live from the directory (python), or copied (nodejs,
// whose node_modules live beside the code).
std::string
environment_identity(const fs::path& dir, const domain::ActionMetadata& metadata)
{
  std::string material = metadata.options_json;
  for (const char* name :
       {"requirements.txt", "ryax_lock.json", "package.json", "package-lock.json"}) {
    material +=
      std::string("\n") + name + "\n" +
      infra::files::read_file(dir / name, k_max_action_file_bytes).value_or("");
  }
  if (metadata.type == domain::ActionType::nodejs) {
    std::error_code ec; // what cannot be listed is left out of the identity
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
         it.increment(ec)) {
      const auto& entry = *it;
      const auto relative = entry.path().lexically_relative(dir).string();
      std::error_code type_ec;
      if (relative.starts_with("node_modules") ||
          !entry.is_regular_file(type_ec)) {
        continue;
      }
      material += "\n" + relative + "\n" +
                  infra::files::read_file(entry.path()).value_or("");
    }
  }
  return material;
}

std::string
cache_root()
{
  const auto env = infra::config::current_environment();
  if (auto xdg = infra::config::get(env, "XDG_CACHE_HOME"); !xdg.empty()) {
    return xdg + "/ryax/action-test";
  }
  return infra::config::get(env, "HOME") + "/.cache/ryax/action-test";
}

struct Environment
{
  fs::path bundle;
  std::string interpreter;
  std::string action_dir;
};

// Build the action's environment once per identity; later runs reuse it.
Result<Environment>
prepare_environment(const Context& ctx, const fs::path& dir,
                    const domain::ActionMetadata& metadata)
{
  infra::build::LocalActionBuilder builder;
  domain::ActionVersion version;
  version.metadata = metadata;
  version.tree_id = domain::build_content_key(environment_identity(dir, metadata),
                                              metadata.type, "action-test");
  RYAX_TRY_ASSIGN(const auto fingerprint, builder.toolchain_fingerprint(version));
  const auto key = domain::build_content_key(version.tree_id, metadata.type, fingerprint);
  const fs::path bundle = fs::path(cache_root()) / key;
  Environment result;
  result.bundle = bundle;
  std::error_code ec;
  if (!fs::exists(bundle / "build.json", ec)) {
    // The bundle is built in staging/bundle; the rest of staging is the
    // build's scratch space (the HOME of its tools), removed after it.
    const fs::path staging =
      fs::path(cache_root()) / fmt::format(".staging-{}", ::getpid());
    fs::remove_all(staging, ec);
    fs::create_directories(staging / "bundle", ec);
    if (ec) {
      return fail(ErrorCode::internal, fmt::format("cannot create \"{}\": {}",
                                                   staging.string(), ec.message()));
    }
    std::vector<std::string> log;
    app::BuildRequest request;
    request.action = version;
    request.source_dir = dir.string();
    request.bundle_dir = (staging / "bundle").string();
    request.log = [&](std::string_view line) { log.emplace_back(line); };
    Result<app::BuildOutcome> built = fail(ErrorCode::internal, "not built");
    {
      output::Spinner spinner(ctx.progress(), "building the action's environment");
      built = builder.build(request);
    }
    if (!built) {
      for (const auto& line : log) {
        std::cerr << line << "\n";
      }
      fs::remove_all(staging, ec);
      return std::unexpected(built.error());
    }
    // When another run won the race, its bundle is used.
    fs::rename(staging / "bundle", bundle, ec);
    fs::remove_all(staging, ec);
  }
  const auto info = nlohmann::json::parse(
    infra::files::read_file(bundle / "build.json").value_or("{}"),
    nullptr,
    false);
  const auto interpreter = output::text_field(info, "interpreter");
  result.interpreter = fs::path(interpreter).is_absolute()
                         ? interpreter
                         : (bundle / interpreter).string();
  result.action_dir = metadata.type == domain::ActionType::nodejs
                        ? (bundle / "action").string()
                        : fs::absolute(dir).string();
  return result;
}

Result<std::pair<std::string, std::string>>
split_assignment(const std::string& text, const char* flag)
{
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{} \"{}\": expected NAME=VALUE", flag, text));
  }
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

Result<nlohmann::json>
convert(const domain::IoSpec& io, const std::string& text)
{
  using domain::IoType;
  switch (io.type) {
  case IoType::integer:
  case IoType::float_:
  case IoType::boolean: {
    // The daemon's rules (ryax run): 64-bit integers, finite floats, one
    // set of boolean spellings.
    auto value = domain::parse_value_text(io, text);
    if (!value) {
      return fail(ErrorCode::invalid_argument, "input " + value.error().message);
    }
    return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>
                      || std::is_same_v<T, bool>) {
          return v;
        } else {
          return nullptr;
        }
      },
      *value);
  }
  case IoType::enum_:
    if (std::find(io.enum_values.begin(), io.enum_values.end(), text)
        == io.enum_values.end()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\": \"{}\" is not one of {}", io.name, text,
                              fmt::join(io.enum_values, ", ")));
    }
    return nlohmann::json(text);
  case IoType::file:
  case IoType::directory:
    return fail(ErrorCode::invalid_argument,
                fmt::format("input \"{}\" is a {}: give it with --file {}=PATH", io.name,
                            domain::to_string(io.type), io.name));
  default:
    return nlohmann::json(text);
  }
}

Result<nlohmann::json>
build_inputs(const domain::ActionMetadata& metadata, const ActionTestOptions& options)
{
  std::map<std::string, nlohmann::json> given;
  std::vector<std::string_view> names;
  for (const auto& io : metadata.inputs) {
    names.push_back(io.name);
  }
  const auto find_input = [&](const std::string& name) -> Result<const domain::IoSpec*> {
    for (const auto& io : metadata.inputs) {
      if (io.name == name) {
        return &io;
      }
    }
    return fail(ErrorCode::invalid_argument,
                fmt::format("the action has no input \"{}\"{}",
                            name,
                            domain::did_you_mean(name, names)));
  };
  // As `ryax run` (the daemon) says: one value an input, never "last wins".
  const auto once = [&](const domain::IoSpec& io) -> Result<void> {
    if (given.contains(io.name)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\" is given twice", io.name));
    }
    return {};
  };
  for (const auto& text : options.inputs) {
    RYAX_TRY_ASSIGN(const auto assignment, split_assignment(text, "--input"));
    RYAX_TRY_ASSIGN(const auto* io, find_input(assignment.first));
    RYAX_TRY(once(*io));
    RYAX_TRY_ASSIGN(given[io->name], convert(*io, assignment.second));
  }
  for (const auto& text : options.files) {
    RYAX_TRY_ASSIGN(const auto assignment, split_assignment(text, "--file"));
    RYAX_TRY_ASSIGN(const auto* io, find_input(assignment.first));
    const bool want_dir = io->type == domain::IoType::directory;
    if (io->type != domain::IoType::file && !want_dir) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\" is a {}: give it with --input", io->name,
                              domain::to_string(io->type)));
    }
    std::error_code ec;
    if (want_dir ? !fs::is_directory(assignment.second, ec)
                 : !fs::is_regular_file(assignment.second, ec)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--file {}: \"{}\" is not a {}", io->name, assignment.second,
                              want_dir ? "directory" : "file"));
    }
    RYAX_TRY(once(*io));
    given[io->name] = fs::absolute(assignment.second).string();
  }
  nlohmann::json inputs = nlohmann::json::object();
  for (const auto& io : metadata.inputs) {
    if (auto it = given.find(io.name); it != given.end()) {
      inputs[io.name] = it->second;
    } else if (io.default_value) {
      inputs[io.name] = infra::json::to_json(*io.default_value);
    } else if (io.optional) {
      inputs[io.name] = nullptr;
    } else {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("input \"{}\" is required: give it with --{} {}=VALUE",
                              io.name,
                              io.type == domain::IoType::file
                                  || io.type == domain::IoType::directory
                                ? "file"
                                : "input",
                              io.name));
    }
  }
  return inputs;
}

void
print_log(const app::LogLine& line)
{
  std::cerr << (line.stream == app::LogStream::err ? "[stderr] " : "[stdout] ")
            << line.line << "\n";
}

} // namespace

int
run_action_test(Context& ctx, const ActionTestOptions& options)
{
  const auto fail_with = [&](const Error& error) {
    ctx.fail(error);
    return ctx.exit_code;
  };
  if (options.directory.empty()) {
    return fail_with({ ErrorCode::invalid_argument,
                       "the action directory is empty: name it" });
  }
  const fs::path dir = options.directory;
  auto metadata = load_metadata(dir);
  if (!metadata) {
    return fail_with(metadata.error());
  }
  auto inputs = build_inputs(*metadata, options);
  if (!inputs) {
    return fail_with(inputs.error());
  }
  auto environment = prepare_environment(ctx, dir, *metadata);
  if (!environment) {
    return fail_with(environment.error());
  }

  char pattern[] = "/tmp/rxt.XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    return fail_with({ErrorCode::internal, "cannot create a run directory in /tmp"});
  }
  const fs::path run_dir = pattern;
  infra::wrapper::WrapperSettings settings;
  settings.run_dir = run_dir.string();
  settings.action_dir = environment->action_dir;
  settings.interpreter = environment->interpreter;
  settings.metadata = *metadata;
  settings.work_root = (run_dir / "work").string();
  settings.time_limit_seconds = metadata->resources.time_seconds.value_or(0);
  settings.memory_limit_bytes = metadata->resources.memory_bytes.value_or(0);
  bool keep = options.keep;
  int code = k_exit_ok;
  {
    auto client = infra::wrapper::WrapperClient::start(settings);
    if (!client) {
      std::error_code ec;
      fs::remove_all(run_dir, ec);
      return fail_with(client.error());
    }
    nlohmann::json doc;
    if (metadata->kind == domain::ActionKind::source) {
      nlohmann::json runs = nlohmann::json::array();
      auto ended = (*client)->run_source(
        "test", inputs->dump(),
        [&](const app::SourceRun& run) {
          auto data = nlohmann::json::parse(run.data_json, nullptr, false);
          runs.push_back({{"failed", run.failed}, {"data", data}});
          if (ctx.for_people()) {
            std::cout << (run.failed ? "run error: " : "run: ") << run.data_json << std::endl;
          }
          // No run is created here: create_run returns "test-N" at once.
          return app::SourceAck{run.failed ? "" : fmt::format("test-{}", runs.size()), ""};
        },
        print_log);
      if (!ended) {
        return fail_with(ended.error());
      }
      doc = {{"runs", runs}};
      if (*ended) {
        doc["error"] = {{"kind", app::to_string((*ended)->kind)},
                        {"message", (*ended)->message},
                        {"code", (*ended)->code}};
        std::cerr << fmt::format("ryax: error: the source failed: {}: {}\n",
                                 app::to_string((*ended)->kind), (*ended)->message);
        code = k_exit_run_failed;
      }
      if (!ctx.for_people()) {
        output::emit(ctx, doc, [](std::ostream&) {});
      }
    } else {
      auto result = (*client)->execute("test", inputs->dump(), print_log);
      if (!result) {
        return fail_with(result.error());
      }
      if (result->error) {
        // The traceback was already streamed with the execution's stderr.
        const auto& e = *result->error;
        std::cerr << fmt::format("ryax: error: the action failed: {}: {}{}\n",
                                 app::to_string(e.kind), e.message,
                                 e.code != 0 ? fmt::format(" (code {})", e.code) : "");
        doc = {{"outputs", nullptr},
               {"error", {{"kind", app::to_string(e.kind)}, {"message", e.message},
                          {"code", e.code}, {"traceback", e.traceback}}}};
        code = k_exit_run_failed;
      } else {
        const auto outputs = nlohmann::json::parse(result->outputs_json, nullptr, false);
        doc = {{"outputs", outputs},
               {"handler_ms", static_cast<double>(result->handler_duration_ns) / 1e6}};
        for (const auto& io : metadata->outputs) {
          keep = keep || io.type == domain::IoType::file || io.type == domain::IoType::directory;
        }
      }
      if (code == k_exit_ok || !ctx.for_people()) {
        output::emit(ctx, doc, [&](std::ostream& out) {
          const auto& sets = output::field(doc, "outputs");
          if (!sets.is_array()) { // not what a wrapper sends: shown as is
            out << output::dump(sets) << "\n";
            return;
          }
          for (std::size_t i = 0; i < sets.size(); ++i) {
            if (sets.size() > 1) {
              out << (i == 0 ? "" : "\n") << "output set " << i + 1 << ":\n";
            }
            std::vector<std::pair<std::string, std::string>> fields;
            if (sets[i].is_object()) {
              for (const auto& [name, value] : sets[i].items()) {
                fields.emplace_back(name, output::json_text(value));
              }
            } else {
              fields.emplace_back("output", output::json_text(sets[i]));
            }
            output::print_fields(out, fields);
          }
        });
      }
    }
  }
  std::error_code ec;
  if (keep) {
    if (!ctx.quiet) {
      std::cerr << "outputs kept in " << run_dir.string() << "\n";
    }
  } else {
    fs::remove_all(run_dir, ec);
  }
  return code;
}

} // namespace ryax::cli
