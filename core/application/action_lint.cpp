#include "core/application/action_lint.hpp"

#include <fmt/format.h>

#include <map>

namespace ryax::app {

namespace {

std::string
join_path(const std::string& directory, const std::string& file)
{
  return directory.empty() ? file : directory + "/" + file;
}

} // namespace

Result<LintedAction>
lint_action_directory(GitCommit& tree, ActionMetadataParser& parser,
                      const ActionDirectory& directory)
{
  LintedAction linted;
  auto& scanned = linted.scanned;
  scanned.directory = directory.directory;
  scanned.tree_id = directory.tree_id;
  const auto display = join_path(directory.directory, "ryax_metadata.yaml");
  RYAX_TRY_ASSIGN(const auto text, tree.read_file(display));
  const auto reader =
    [&](const std::string& relative) -> std::optional<std::string> {
    auto content = tree.read_file(join_path(directory.directory, relative));
    return content ? *content : std::nullopt;
  };
  auto parsed = parser.parse(text.value_or(""), display, reader);
  if (parsed.metadata) {
    scanned.id = parsed.metadata->id;
    scanned.version = parsed.metadata->version;
    scanned.kind = parsed.metadata->kind;
    scanned.type = parsed.metadata->type;
  }
  for (const auto& diagnostic : parsed.diagnostics) {
    scanned.errors.push_back(domain::format_diagnostic(diagnostic));
  }
  if (!parsed.ok()) {
    scanned.kind.reset();
    scanned.type.reset();
    scanned.status = domain::ScanStatus::invalid;
  } else {
    scanned.status = domain::ScanStatus::added;
    linted.metadata = std::move(parsed.metadata);
  }
  return linted;
}

std::string
duplicate_action_error(const domain::ScannedAction& scanned,
                       const std::string& other_directory)
{
  return fmt::format("{}: action \"{}\" version \"{}\" is also defined in "
                     "\"{}\"",
                     join_path(scanned.directory, "ryax_metadata.yaml"),
                     scanned.id, scanned.version, other_directory);
}

Result<std::vector<LintedAction>>
lint_actions(GitCommit& tree, ActionMetadataParser& parser)
{
  RYAX_TRY_ASSIGN(const auto directories, tree.find_action_directories());
  std::vector<LintedAction> result;
  std::map<std::string, std::string> seen; // "id:version" -> directory
  for (const auto& directory : directories) {
    RYAX_TRY_ASSIGN(auto linted,
                    lint_action_directory(tree, parser, directory));
    auto& scanned = linted.scanned;
    if (scanned.ok()) {
      const auto key = scanned.id + ":" + scanned.version;
      if (auto [it, inserted] = seen.emplace(key, scanned.directory);
          !inserted) {
        scanned.status = domain::ScanStatus::invalid;
        scanned.errors.push_back(duplicate_action_error(scanned, it->second));
        linted.metadata.reset();
      }
    }
    result.push_back(std::move(linted));
  }
  return result;
}

} // namespace ryax::app
