#pragma once

#include "core/domain/action.hpp"
#include "core/domain/error.hpp"
#include "core/domain/run.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Project variables: named values a workflow reads with "{{ vars.NAME }}".
namespace ryax::domain {

// The most bytes the value of a text variable may hold (string,
// longstring, password; the numbers and booleans are far shorter).
inline constexpr std::size_t k_max_variable_bytes = std::size_t{ 1 } << 20;

// The most characters a number or a boolean variable may be written with.
inline constexpr std::size_t k_max_variable_scalar_bytes = 64;

// The most bytes a variable's description may hold.
inline constexpr std::size_t k_max_variable_description_bytes = 1024;

// The most variables one project may hold.
inline constexpr std::size_t k_max_variables_per_project = 1000;

// One project variable.
struct Variable
{
  std::string project;
  std::string name; // as "{{ vars.NAME }}" accepts it: is_valid_io_name
  // string, longstring, integer, float_, boolean or password.
  IoType type = IoType::string;
  std::string description; // one line, may be empty
  // Typed by `type`: std::string, std::int64_t, double, bool, or a Secret
  // for password.
  Value value;
  std::int64_t updated_at = 0; // Unix seconds

  bool operator==(const Variable&) const = default;
};

// The type named `text` ("string", "longstring", "integer", "float",
// "boolean", "password", "file"), or nullopt. "file" parses (it is a type
// of the command line) but is refused by parse_variable_value.
std::optional<IoType> parse_variable_type(std::string_view text);

// The names of the types a variable may have, for messages.
std::string_view variable_type_names();

// `name` when it can name a variable (what "{{ vars.NAME }}" accepts:
// letters, digits and '_', not starting with a digit, at most 64).
// invalid_argument naming it otherwise.
Result<void> check_variable_name(std::string_view name);

// `description` when it is one line of at most
// k_max_variable_description_bytes without control characters.
// invalid_argument naming variable `name` otherwise.
Result<void> check_variable_description(std::string_view name,
                                        std::string_view description);

// The value of variable `name` of type `type` given as `text`: typed as a
// static value of that type is (parse_value_text). invalid_argument naming
// the variable for a value too long, a control character in a one-line
// type (all but longstring, where tabs and newlines are allowed), a text
// that is not of the type (the message never shows a password), and for
// file (not supported yet).
Result<Value> parse_variable_value(std::string_view name,
                                   IoType type,
                                   std::string_view text);

// How `value` reads on the command line ("42", "true", "text"), a
// password as "********".
std::string variable_display_text(const Value& value);

// The text `value` was given as (a password's plaintext included): what
// parse_variable_value reads back into the same value.
std::string variable_value_text(const Value& value);

// What every command shows instead of a password.
inline constexpr std::string_view k_masked_value = "********";

} // namespace ryax::domain
