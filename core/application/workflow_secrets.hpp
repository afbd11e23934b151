#pragma once

#include "core/application/ports/secret_box.hpp"
#include "core/domain/error.hpp"
#include "core/domain/workflow.hpp"

#include <functional>
#include <string>
#include <string_view>

// Static password values of workflow files ("inputs_values: {pw: text}" for
// a password input), sealed at rest: a stored workflow version holds
// k_sealed_static_prefix + a SecretBox text instead; people see "********";
// runs get the value.
namespace ryax::app {

inline constexpr std::string_view k_sealed_static_prefix = "ryax-sealed:";

// Whether input `input` of `step` is a password.
using IsPasswordInput =
  std::function<bool(const domain::WorkflowStep& step, const std::string& input)>;

// Seal every static text of `workflow` bound to a password input. A value
// equal to that of the same step input of `previous` (a stored version,
// sealed) keeps its sealed text, so that pushing the same file again makes
// no new version; "********" (as shown and exported) stands for that value.
// invalid_argument naming the step and input for "********" when
// `previous` has none; the errors of the box.
Result<void> seal_static_passwords(domain::WorkflowDefinition& workflow,
                                   const IsPasswordInput& is_password,
                                   const domain::WorkflowDefinition* previous,
                                   SecretBox& box);

// Open every sealed static value of `workflow`, for runs. The errors of the
// box, naming the step and input.
Result<void> open_static_passwords(domain::WorkflowDefinition& workflow,
                                   SecretBox& box);

// Every sealed static value of `workflow` as "********", for people.
void mask_static_passwords(domain::WorkflowDefinition& workflow);

// `text` (a stored workflow file) with every sealed value as "********".
std::string mask_sealed_text(std::string text);

} // namespace ryax::app
