#include "core/infrastructure/wrapper/wire_values.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

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

namespace {

// Why `value` cannot be the value of an output typed by `spec` (nullptr for
// an undeclared one) without changing it, or nullopt: an integer is 64-bit
// (nlohmann reads a larger one as unsigned or as a float, which get<int64_t>
// would wrap or truncate), a float is finite. Whatever the runtime checked.
std::optional<std::string>
value_problem(const json& value, const domain::IoSpec* spec)
{
  constexpr auto k_max = std::numeric_limits<std::int64_t>::max();
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > k_max) {
    return value.dump() + " is outside 64-bit integers";
  }
  if (spec != nullptr && spec->type == domain::IoType::integer
      && value.is_number_float()) {
    const double number = value.get<double>();
    if (!(number >= -0x1p63 && number < 0x1p63)) {
      return value.dump() + " is outside 64-bit integers";
    }
  }
  if (value.is_number_float() && !std::isfinite(value.get<double>())) {
    return "not a finite number (NaN and infinities are refused)";
  }
  return std::nullopt;
}

} // namespace

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
        if (const auto problem = value_problem(value, spec)) {
          return domain::StepOutcome{ domain::StepError{
            "invalid_output",
            "output \"" + name + "\"" +
              (spec ? " (" + std::string(domain::to_string(spec->type)) + ")"
                    : std::string()) +
              ": " + *problem,
            0,
            {} } };
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
