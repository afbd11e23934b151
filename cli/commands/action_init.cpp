#include "cli/commands/action_init.hpp"

#include "core/domain/action.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace ryax::cli {

namespace {

std::string
lower(std::string text)
{
  for (auto& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

std::string
human_name(const std::string& id)
{
  std::string name = id;
  for (auto& c : name) {
    if (c == '-') {
      c = ' ';
    }
  }
  name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name;
}

constexpr const char* k_processor_io = R"(  inputs:
  - name: text
    human_name: Text
    help: The text to transform
    type: string
  outputs:
  - name: result
    human_name: Result
    help: The transformed text
    type: string
)";

constexpr const char* k_publisher_io = R"(  inputs:
  - name: text
    human_name: Text
    help: The text to publish
    type: string
)";

constexpr const char* k_source_io = R"(  inputs:
  - name: message
    human_name: Message
    help: The message each run starts with
    type: string
    default_value: hello
  outputs:
  - name: message
    human_name: Message
    help: The message of the run
    type: string
)";

constexpr const char* k_python_processor = R"(def handle(request: dict) -> dict:
    """Turn the input text to upper case.

    `request` holds one entry per input declared in ryax_metadata.yaml, typed
    (a file input is the path of a local file). Return a dict with one entry
    per output, or a list of such dicts to fan out. Raise an exception named
    RyaxException (with `message` and `code`) to stop the run with a message.
    """
    return {"result": request["text"].upper()}
)";

constexpr const char* k_python_publisher = R"(def handle(request: dict) -> dict:
    """Publish the input text (here: print it to the run's log).

    `request` holds one entry per input declared in ryax_metadata.yaml, typed.
    A publisher has no outputs: return an empty dict.
    """
    print(request["text"])
    return {}
)";

constexpr const char* k_python_source = R"(async def run(service, input_values: dict) -> None:
    """Start one workflow run with the configured message.

    `input_values` holds the trigger's inputs. Call
    `await service.create_run(data)` each time a workflow run must start,
    with `data` holding one entry per output of ryax_metadata.yaml.
    """
    await service.create_run({"message": input_values["message"]})
)";

constexpr const char* k_node_processor = R"(/**
 * Turn the input text to upper case.
 *
 * `input` holds one entry per input declared in ryax_metadata.yaml; return an
 * object with one entry per output.
 */
module.exports = async function handle(input) {
  return { result: String(input.text).toUpperCase() };
};
)";

constexpr const char* k_node_publisher = R"(/**
 * Publish the input text (here: print it to the run's log).
 *
 * A publisher has no outputs: return an empty object.
 */
module.exports = async function handle(input) {
  console.log(input.text);
  return {};
};
)";

} // namespace

Result<std::vector<std::string>>
scaffold_action(const ActionInitOptions& options)
{
  const auto kind = lower(options.kind);
  const auto& type = options.type;
  if (kind == "source" && type != "python3") {
    return fail(ErrorCode::invalid_argument,
                "sources (triggers) are written in python3: use --type python3");
  }
  if (options.directory.empty()) {
    return fail(ErrorCode::invalid_argument,
                "the directory to create is empty: name it");
  }
  const fs::path dir(options.directory);
  std::string id = options.id;
  if (id.empty()) {
    id = fs::absolute(dir).lexically_normal().filename().string();
    if (id.empty()) {
      id = fs::absolute(dir).lexically_normal().parent_path().filename().string();
    }
  }
  if (!domain::is_valid_action_id(id)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("\"{}\" is not a valid action id (3 to 24 letters, "
                            "digits or '-'): pass --id",
                            id));
  }
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("\"{}\" already exists and is not empty",
                            options.directory));
  }
  fs::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("cannot create \"{}\": {}", options.directory,
                            ec.message()));
  }

  const std::string kind_name = kind == "processor" ? "Processor"
                                : kind == "source"  ? "Source"
                                                    : "Publisher";
  const char* io = kind == "processor" ? k_processor_io
                   : kind == "source"  ? k_source_io
                                       : k_publisher_io;
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("ryax_metadata.yaml",
                     fmt::format("apiVersion: \"ryax.tech/v2.0\"\n"
                                 "kind: {}\n"
                                 "spec:\n"
                                 "  id: {}\n"
                                 "  human_name: {}\n"
                                 "  type: {}\n"
                                 "  version: \"1.0\"\n"
                                 "  description: {} created by ryax action init\n"
                                 "{}",
                                 kind_name, id, human_name(id), type, kind_name, io));
  if (type == "python3") {
    if (kind == "source") {
      files.emplace_back("ryax_run.py", k_python_source);
    } else {
      files.emplace_back("ryax_handler.py", kind == "processor" ? k_python_processor
                                                                : k_python_publisher);
    }
    files.emplace_back("requirements.txt", "");
  } else {
    files.emplace_back("ryax_handler.js",
                       kind == "processor" ? k_node_processor : k_node_publisher);
    files.emplace_back("package.json",
                       fmt::format("{{\n  \"name\": \"{}\",\n  \"version\": "
                                   "\"1.0.0\",\n  \"private\": true,\n  "
                                   "\"dependencies\": {{}}\n}}\n",
                                   lower(id)));
  }
  std::vector<std::string> written;
  for (const auto& [name, content] : files) {
    const auto path = dir / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) {
      return fail(ErrorCode::internal,
                  fmt::format("cannot write \"{}\"", path.string()));
    }
    written.push_back(path.string());
  }
  return written;
}

} // namespace ryax::cli
