#include "core/infrastructure/wrapper/wire_values.hpp"

namespace ryax::infra::wrapper {

using nlohmann::json;

json
runtime_input(const domain::Value& value)
{
  return std::visit(
    [](const auto& v) -> json {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, std::monostate>) {
        return nullptr;
      } else if constexpr (std::is_same_v<T, domain::FileRef>) {
        return v.key; // a local path
      } else if constexpr (std::is_same_v<T, domain::Secret>) {
        return v.text; // only the action's runtime gets it
      } else {
        return v;
      }
    },
    value);
}

domain::Value
runtime_output(const json& value, const domain::IoSpec* spec)
{
  if (value.is_null()) {
    return std::monostate{};
  }
  if (spec != nullptr
      && (spec->type == domain::IoType::file
          || spec->type == domain::IoType::directory)
      && value.is_string()) {
    return domain::FileRef{ value.get<std::string>(),
                            spec->type == domain::IoType::directory };
  }
  if (value.is_boolean()) {
    return value.get<bool>();
  }
  if (value.is_number_integer()) {
    return value.get<std::int64_t>();
  }
  if (value.is_number()) {
    return value.get<double>();
  }
  if (value.is_string()) {
    return value.get<std::string>();
  }
  return value.dump(); // a table or another structure, kept as JSON text
}

domain::StepOutcome
runtime_outcome(const json& sets,
                bool fan_out,
                const std::vector<domain::IoSpec>& specs)
{
  if (!sets.is_array()) {
    return domain::StepOutcome{ domain::StepError{
      "invalid_output", "the runtime returned unreadable outputs", 0, {} } };
  }
  std::vector<domain::Outputs> outputs;
  for (const auto& set : sets) {
    domain::Outputs values;
    if (set.is_object()) {
      for (const auto& [name, value] : set.items()) {
        const domain::IoSpec* spec = nullptr;
        for (const auto& candidate : specs) {
          if (candidate.name == name) {
            spec = &candidate;
          }
        }
        values[name] = runtime_output(value, spec);
      }
    }
    outputs.push_back(std::move(values));
  }
  domain::StepOutcome outcome;
  if (fan_out) {
    outcome.emplace<domain::FanOut>().sets = std::move(outputs);
  } else if (!outputs.empty()) {
    outcome.emplace<domain::Outputs>(std::move(outputs.front()));
  }
  return outcome;
}

} // namespace ryax::infra::wrapper
