#include "cli/client/contexts.hpp"

#include "core/infrastructure/files/write_file.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ryax::cli {

namespace {

constexpr std::uintmax_t k_max_file_bytes = 1 << 20;

std::string
text_of(const YAML::Node& node, const char* key)
{
  const auto value = node[key];
  return value && value.IsScalar() ? value.as<std::string>() : std::string();
}

} // namespace

const SavedContext*
ContextFile::find(const std::string& name) const
{
  for (const auto& context : contexts) {
    if (context.name == name) {
      return &context;
    }
  }
  return nullptr;
}

const SavedContext*
ContextFile::for_server(const std::string& server) const
{
  for (const auto& context : contexts) {
    if (context.server == server) {
      return &context;
    }
  }
  return nullptr;
}

Result<std::string>
contexts_path()
{
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg) {
    return std::string(xdg) + "/ryax/config.yaml";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home) {
    return std::string(home) + "/.config/ryax/config.yaml";
  }
  return fail(ErrorCode::invalid_argument,
              "neither XDG_CONFIG_HOME nor HOME is set: no place for the "
              "contexts file");
}

Result<ContextFile>
load_contexts()
{
  RYAX_TRY_ASSIGN(const auto path, contexts_path());
  ContextFile file;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return file;
  }
  if (std::filesystem::file_size(path, ec) > k_max_file_bytes) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: larger than 1 MiB", path));
  }
  try {
    const auto root = YAML::LoadFile(path);
    if (!root.IsMap() && !root.IsNull()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: expected a mapping", path));
    }
    file.current = text_of(root, "current");
    if (const auto list = root["contexts"]; list && list.IsSequence()) {
      for (const auto& node : list) {
        SavedContext context;
        context.name = text_of(node, "name");
        context.server = text_of(node, "server");
        context.ca_pem = text_of(node, "ca");
        context.user = text_of(node, "user");
        context.token = text_of(node, "token");
        context.project = text_of(node, "project");
        if (context.name.empty() || context.server.empty()) {
          return fail(ErrorCode::invalid_argument,
                      fmt::format("{}:{}: a context needs a name and a server",
                                  path, node.Mark().line + 1));
        }
        file.contexts.push_back(std::move(context));
      }
    }
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}:{}:{}: {}", path, e.mark.line + 1,
                            e.mark.column + 1, e.msg));
  }
  return file;
}

Result<void>
save_contexts(const ContextFile& file)
{
  RYAX_TRY_ASSIGN(const auto path, contexts_path());
  std::error_code ec;
  std::filesystem::create_directories(
    std::filesystem::path(path).parent_path(), ec);
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "current" << YAML::Value
      << file.current << YAML::Key << "contexts" << YAML::Value
      << YAML::BeginSeq;
  for (const auto& c : file.contexts) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.name
        << YAML::Key << "server" << YAML::Value << c.server << YAML::Key
        << "user" << YAML::Value << c.user << YAML::Key << "project"
        << YAML::Value << c.project << YAML::Key << "token" << YAML::Value
        << c.token << YAML::Key << "ca" << YAML::Value << YAML::Literal
        << c.ca_pem << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  const std::string text = std::string(out.c_str()) + "\n";
  return infra::files::write_file_atomically(path, text, 0600);
}

} // namespace ryax::cli
