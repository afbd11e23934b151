#include "core/infrastructure/json/action_json.hpp"

namespace ryax::infra::json {

using nlohmann::json;

json
to_json(const domain::Scalar& scalar)
{
  return std::visit([](const auto& value) { return json(value); }, scalar);
}

namespace {

json
io_to_json(const domain::IoSpec& io)
{
  json doc = {
    {"name", io.name},
    {"human_name", io.human_name},
    {"help", io.help},
    {"type", domain::to_string(io.type)},
    {"optional", io.optional},
    {"enum_values", io.enum_values},
  };
  doc["default_value"] = io.default_value ? to_json(*io.default_value) : json(nullptr);
  return doc;
}

template<typename T>
json
optional_json(const std::optional<T>& value)
{
  return value ? json(*value) : json(nullptr);
}

json
parse_object(const std::string& text)
{
  auto doc = json::parse(text, nullptr, false);
  return doc.is_discarded() ? json::object() : doc;
}

Result<domain::IoSpec>
io_from_json(const json& doc, const std::string& where)
{
  domain::IoSpec io;
  try {
    io.name = doc.at("name").get<std::string>();
    io.human_name = doc.value("human_name", "");
    io.help = doc.value("help", "");
    const auto type = domain::parse_io_type(doc.at("type").get<std::string>());
    if (!type) {
      return fail(ErrorCode::invalid_argument, where + ".type: unknown IO type");
    }
    io.type = *type;
    io.optional = doc.value("optional", false);
    io.enum_values = doc.value("enum_values", std::vector<std::string>{});
    if (doc.contains("default_value") && !doc["default_value"].is_null()) {
      const auto& value = doc["default_value"];
      if (value.is_boolean()) {
        io.default_value = value.get<bool>();
      } else if (value.is_number_integer()) {
        io.default_value = value.get<std::int64_t>();
      } else if (value.is_number()) {
        io.default_value = value.get<double>();
      } else {
        io.default_value = value.get<std::string>();
      }
    }
  } catch (const json::exception& e) {
    return fail(ErrorCode::invalid_argument, where + ": " + e.what());
  }
  return io;
}

} // namespace

json
to_json(const domain::ActionMetadata& m)
{
  json inputs = json::array();
  for (const auto& io : m.inputs) {
    inputs.push_back(io_to_json(io));
  }
  json outputs = json::array();
  for (const auto& io : m.outputs) {
    outputs.push_back(io_to_json(io));
  }
  return {
    {"id", m.id},
    {"version", m.version},
    {"kind", domain::to_string(m.kind)},
    {"type", domain::to_string(m.type)},
    {"human_name", m.human_name},
    {"description", m.description},
    {"logo", m.logo},
    {"categories", m.categories},
    {"dependencies", m.dependencies},
    {"resources",
     {
       {"cpu", optional_json(m.resources.cpu)},
       {"memory_bytes", optional_json(m.resources.memory_bytes)},
       {"time_seconds", optional_json(m.resources.time_seconds)},
       {"gpu", optional_json(m.resources.gpu)},
     }},
    {"inputs", inputs},
    {"outputs", outputs},
    {"dynamic_outputs", m.dynamic_outputs},
    {"addons", parse_object(m.addons_json)},
    {"options", parse_object(m.options_json)},
  };
}

Result<domain::ActionMetadata>
metadata_from_json(const json& doc)
{
  domain::ActionMetadata m;
  try {
    m.id = doc.at("id").get<std::string>();
    m.version = doc.at("version").get<std::string>();
    const auto kind = domain::parse_action_kind(doc.at("kind").get<std::string>());
    const auto type = domain::parse_action_type(doc.at("type").get<std::string>());
    if (!kind || !type) {
      return fail(ErrorCode::invalid_argument, "kind or type: unknown value");
    }
    m.kind = *kind;
    m.type = *type;
    m.human_name = doc.value("human_name", "");
    m.description = doc.value("description", "");
    m.logo = doc.value("logo", "");
    m.categories = doc.value("categories", std::vector<std::string>{});
    m.dependencies = doc.value("dependencies", std::vector<std::string>{});
    const auto& r = doc.at("resources");
    if (!r.at("cpu").is_null()) {
      m.resources.cpu = r["cpu"].get<double>();
    }
    if (!r.at("memory_bytes").is_null()) {
      m.resources.memory_bytes = r["memory_bytes"].get<std::int64_t>();
    }
    if (!r.at("time_seconds").is_null()) {
      m.resources.time_seconds = r["time_seconds"].get<std::int64_t>();
    }
    if (!r.at("gpu").is_null()) {
      m.resources.gpu = r["gpu"].get<std::int64_t>();
    }
    std::size_t i = 0;
    for (const auto& io : doc.at("inputs")) {
      RYAX_TRY_ASSIGN(auto spec, io_from_json(io, "inputs[" + std::to_string(i++) + "]"));
      m.inputs.push_back(std::move(spec));
    }
    i = 0;
    for (const auto& io : doc.at("outputs")) {
      RYAX_TRY_ASSIGN(auto spec, io_from_json(io, "outputs[" + std::to_string(i++) + "]"));
      m.outputs.push_back(std::move(spec));
    }
    m.dynamic_outputs = doc.value("dynamic_outputs", false);
    m.addons_json = doc.value("addons", json::object()).dump();
    m.options_json = doc.value("options", json::object()).dump();
  } catch (const json::exception& e) {
    return fail(ErrorCode::invalid_argument,
                std::string("action metadata document: ") + e.what());
  }
  return m;
}

json
to_json(const domain::ActionVersion& version)
{
  auto doc = to_json(version.metadata);
  doc["repository"] = version.repository;
  doc["commit"] = version.commit;
  doc["directory"] = version.directory;
  doc["tree_id"] = version.tree_id;
  doc["scanned_at"] = version.scanned_at;
  doc["gone_from_head"] = version.gone_from_head;
  doc["build_state"] = domain::to_string(version.build_state);
  doc["build_error"] = version.build_error;
  doc["bundle_key"] = version.bundle_key;
  doc["build_warnings"] = version.build_warnings;
  auto lock = nlohmann::json::parse(version.lock_json, nullptr, false);
  doc["lock"] = lock.is_discarded() ? nlohmann::json(nullptr) : lock;
  return doc;
}

} // namespace ryax::infra::json
