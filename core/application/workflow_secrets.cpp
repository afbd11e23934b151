#include "core/application/workflow_secrets.hpp"

#include "core/domain/variable.hpp"

#include <fmt/format.h>

#include <cctype>

namespace ryax::app {

namespace {

// Call `visit` on each static text binding of each step, the trigger first.
template<typename Definition, typename Visit>
Result<void>
each_static_text(Definition& workflow, Visit&& visit)
{
  const auto in_step = [&](auto& step) -> Result<void> {
    for (auto& [input, binding] : step.inputs_values) {
      auto* scalar = std::get_if<domain::Scalar>(&binding);
      auto* text = scalar ? std::get_if<std::string>(scalar) : nullptr;
      if (text != nullptr) {
        RYAX_TRY(visit(step, input, *text));
      }
    }
    return {};
  };
  RYAX_TRY(in_step(workflow.trigger));
  for (auto& step : workflow.actions) {
    RYAX_TRY(in_step(step));
  }
  return {};
}

bool
is_sealed_static(std::string_view text)
{
  return text.starts_with(k_sealed_static_prefix);
}

// The sealed text `previous` binds to `input` of step `step_id`, or "".
std::string
previous_sealed(const domain::WorkflowDefinition* previous,
                const std::string& step_id,
                const std::string& input)
{
  if (previous == nullptr) {
    return {};
  }
  const auto* step = previous->find_step(step_id);
  if (step == nullptr) {
    return {};
  }
  const auto it = step->inputs_values.find(input);
  if (it == step->inputs_values.end()) {
    return {};
  }
  const auto* scalar = std::get_if<domain::Scalar>(&it->second);
  const auto* text = scalar ? std::get_if<std::string>(scalar) : nullptr;
  return text != nullptr && is_sealed_static(*text) ? *text : std::string();
}

} // namespace

Result<void>
seal_static_passwords(domain::WorkflowDefinition& workflow,
                      const IsPasswordInput& is_password,
                      const domain::WorkflowDefinition* previous,
                      SecretBox& box)
{
  return each_static_text(
    workflow,
    [&](const domain::WorkflowStep& step,
        const std::string& input,
        std::string& text) -> Result<void> {
      if (!is_password(step, input) || is_sealed_static(text)) {
        return {};
      }
      const auto kept = previous_sealed(previous, step.id, input);
      if (text == domain::k_masked_value) {
        if (kept.empty()) {
          return fail(ErrorCode::invalid_argument,
                      fmt::format("step \"{}\" input \"{}\": \"{}\" stands "
                                  "for a hidden password, and there is none "
                                  "to keep: give the value, or bind a "
                                  "password variable (\"{{{{ vars.NAME }}}}\")",
                                  step.id, input, domain::k_masked_value));
        }
        text = kept;
        return {};
      }
      if (!kept.empty()) {
        auto opened = box.open(kept.substr(k_sealed_static_prefix.size()));
        if (opened && *opened == text) {
          text = kept;
          return {};
        }
      }
      RYAX_TRY_ASSIGN(const auto sealed, box.seal(text));
      text = std::string(k_sealed_static_prefix) + sealed;
      return {};
    });
}

Result<void>
open_static_passwords(domain::WorkflowDefinition& workflow, SecretBox& box)
{
  return each_static_text(
    workflow,
    [&](const domain::WorkflowStep& step,
        const std::string& input,
        std::string& text) -> Result<void> {
      if (!is_sealed_static(text)) {
        return {};
      }
      auto opened = box.open(text.substr(k_sealed_static_prefix.size()));
      if (!opened) {
        return fail(opened.error().code,
                    fmt::format("step \"{}\" input \"{}\": {}", step.id, input,
                                opened.error().message));
      }
      text = std::move(*opened);
      return {};
    });
}

void
mask_static_passwords(domain::WorkflowDefinition& workflow)
{
  (void)each_static_text(
    workflow,
    [](const domain::WorkflowStep&, const std::string&, std::string& text)
      -> Result<void> {
      if (is_sealed_static(text)) {
        text = std::string(domain::k_masked_value);
      }
      return {};
    });
}

std::string
mask_sealed_text(std::string text)
{
  // A sealed value is the prefix and then "v1:" and base64: it ends at the
  // first character base64 does not use.
  const auto is_sealed_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'
           || c == '=' || c == ':';
  };
  std::size_t at = 0;
  while ((at = text.find(k_sealed_static_prefix, at)) != std::string::npos) {
    auto end = at + k_sealed_static_prefix.size();
    while (end < text.size() && is_sealed_char(text[end])) {
      ++end;
    }
    text.replace(at, end - at, domain::k_masked_value);
    at += domain::k_masked_value.size();
  }
  return text;
}

} // namespace ryax::app
