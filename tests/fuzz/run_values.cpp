// libFuzzer target: run values. The first byte picks an input type, the rest
// is the text a user gives (`ryax run --input NAME=TEXT`, a project
// variable, a portal field, an HTTP API field: parse_value_text and
// parse_variable_value), and the whole input is also read as the JSON of run
// values (the run history, the daemon's *_json fields: values_from_json).
// Checked: integers stay in 64 bits, floats are finite, and a value read
// back from its written form (variable_value_text, value_to_json) is the
// same value.

#include "core/domain/run_values.hpp"
#include "core/domain/variable.hpp"
#include "core/infrastructure/json/run_json.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <variant>

namespace {

namespace domain = ryax::domain;

[[noreturn]] void
failed(const char* what, std::string_view text)
{
  std::fprintf(stderr, "%s: \"%.*s\"\n", what, static_cast<int>(text.size()),
               text.data());
  std::abort();
}

void
typed(domain::IoType type, std::string_view text)
{
  domain::IoSpec spec;
  spec.name = "value";
  spec.type = type;
  spec.enum_values = { "a", "b", "yes" };
  const auto value = domain::parse_value_text(spec, text);
  if (value && type == domain::IoType::float_) {
    const auto* number = std::get_if<double>(&*value);
    if (number == nullptr || !std::isfinite(*number)) {
      failed("a float input that is not a finite double", text);
    }
  }
  if (value && type == domain::IoType::integer
      && !std::holds_alternative<std::int64_t>(*value)) {
    failed("an integer input that is not an int64", text);
  }
  if (type == domain::IoType::file || type == domain::IoType::directory) {
    return; // not a variable type
  }
  const auto variable = domain::parse_variable_value("value", type, text);
  if (!variable) {
    return;
  }
  const auto again = domain::parse_variable_value(
    "value", type, domain::variable_value_text(*variable));
  if (!again || !(*again == *variable)) {
    failed("a variable does not read back from its text", text);
  }
  (void)domain::variable_display_text(*variable);
}

void
json_values(std::string_view text)
{
  namespace json = ryax::infra::json;
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return;
  }
  const auto one = json::value_from_json(doc);
  if (one) {
    const auto back = json::value_from_json(json::value_to_json(*one));
    if (!back || !(*back == *one)) {
      failed("a value does not read back from its JSON", text);
    }
  }
  const auto values = json::values_from_json(doc);
  if (values) {
    const auto back = json::values_from_json(json::values_to_json(*values));
    if (!back || !(*back == *values)) {
      failed("values do not read back from their JSON", text);
    }
  }
  (void)json::step_error_from_json(doc);
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  if (!all.empty()) {
    constexpr domain::IoType k_types[] = {
      domain::IoType::string,  domain::IoType::longstring,
      domain::IoType::password, domain::IoType::integer,
      domain::IoType::float_,  domain::IoType::boolean,
      domain::IoType::enum_,   domain::IoType::file,
      domain::IoType::directory, domain::IoType::bytes,
      domain::IoType::table,
    };
    const auto type = k_types[static_cast<unsigned char>(all[0]) % std::size(k_types)];
    typed(type, all.substr(1));
  }
  json_values(all);
  return 0;
}
