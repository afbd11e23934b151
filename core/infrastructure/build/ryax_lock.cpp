#include "core/infrastructure/build/ryax_lock.hpp"

#include <nlohmann/json.hpp>

namespace ryax::infra::build {

namespace {

using Json = nlohmann::ordered_json;

Result<std::string>
string_field(const Json& object, const char* name, const std::string& where)
{
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return fail(ErrorCode::invalid_argument,
                where + "." + name + ": expected a string");
  }
  return it->get<std::string>();
}

} // namespace

Result<RyaxLock>
parse_ryax_lock(std::string_view json, const std::string& file)
{
  const auto root = Json::parse(json, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return fail(ErrorCode::invalid_argument, file + ": not a JSON object");
  }
  RyaxLock lock;
  RYAX_TRY_ASSIGN(lock.action_nix, string_field(root, "actionNix", file));
  RYAX_TRY_ASSIGN(lock.action_nix_original,
                  string_field(root, "actionNixOriginal", file));
  RYAX_TRY_ASSIGN(lock.nixpkgs_python,
                  string_field(root, "nixpkgsPython", file));
  RYAX_TRY_ASSIGN(lock.wrapper_revision,
                  string_field(root, "wrapperRevision", file));
  const auto python = root.find("python");
  if (python == root.end() || python->is_null()) {
    return lock;
  }
  if (!python->is_object()) {
    return fail(ErrorCode::invalid_argument,
                file + ": python: expected an object");
  }
  const auto where = file + ": python";
  RYAX_TRY_ASSIGN(lock.python_version,
                  string_field(*python, "pythonVersion", where));
  RYAX_TRY_ASSIGN(lock.python_version_original,
                  string_field(*python, "pythonVersionOriginal", where));
  RYAX_TRY_ASSIGN(lock.original_requirements,
                  string_field(*python, "originalRequirements", where));
  RYAX_TRY_ASSIGN(lock.locked_requirements,
                  string_field(*python, "lockedRequirements", where));
  return lock;
}

std::string
format_ryax_lock(const RyaxLock& lock)
{
  Json python;
  python["pythonVersion"] = lock.python_version;
  python["pythonVersionOriginal"] = lock.python_version_original;
  python["originalRequirements"] = lock.original_requirements;
  python["lockedRequirements"] = lock.locked_requirements;
  Json root;
  root["actionNix"] = lock.action_nix;
  root["actionNixOriginal"] = lock.action_nix_original;
  root["nixpkgsPython"] = lock.nixpkgs_python;
  root["wrapperRevision"] = lock.wrapper_revision;
  root["python"] = std::move(python);
  // Invalid UTF-8 in a requirements file must not throw.
  return root.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace ryax::infra::build
