#pragma once

#include "core/application/ports/secret_box.hpp"
#include "core/domain/error.hpp"
#include "core/domain/run.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <string>

// The JSON form of run values and step errors: the same in the run history
// (SQLite) and on the wire (the daemon's `*_json` fields).
namespace ryax::infra::json {

// `value` as JSON: null, a boolean, an integer, a float or a string as
// themselves; a file as {"file": NAME, "key": KEY} and a directory as
// {"directory": NAME, "key": KEY}, where NAME is the part of KEY after its
// last '/' (keys are "<digest>/<name>"). A float that is not finite (NaN,
// infinity) has no JSON form and becomes null. A Secret is "********": its
// text is never in this form (see sealed_values_to_json).
nlohmann::json value_to_json(const domain::Value& value);

// The inverse of value_to_json: an integer stays an integer (int64), any
// other number is a float. invalid_argument for an array, an integer out of
// the int64 range, or an object not of the file/directory form (exactly the
// two members, a non-empty string "key" and a string name).
Result<domain::Value> value_from_json(const nlohmann::json& doc);

// Named values as a JSON object of value_to_json forms.
nlohmann::json values_to_json(const domain::Values& values);

// The inverse of values_to_json. invalid_argument, naming the value, when
// `doc` is not an object or one of its members is not a value.
Result<domain::Values> values_from_json(const nlohmann::json& doc);

// Named values as stored at rest: values_to_json, but a Secret as
// {"sealed": TEXT}, its text sealed by `box`. The error of box.seal, naming
// the value.
Result<nlohmann::json> sealed_values_to_json(const domain::Values& values, app::SecretBox& box);

// The inverse of sealed_values_to_json: values_from_json, with each
// {"sealed": TEXT} opened by `box` into a Secret (with `box` null, such an
// object is not a value). The error of box.open, naming the value.
Result<domain::Values> values_from_json(const nlohmann::json& doc, app::SecretBox* box);

// {"kind": ..., "message": ..., "code": ..., "traceback": ...}.
nlohmann::json step_error_to_json(const domain::StepError& error);

// The inverse of step_error_to_json. Lenient: a missing member, or one of
// the wrong type, keeps its default (a non-object gives an empty error).
domain::StepError step_error_from_json(const nlohmann::json& doc);

// Add to `keys` the filestore key of every file and directory in `values`.
void collect_file_keys(const domain::Values& values,
                       std::set<std::string>& keys);

} // namespace ryax::infra::json
