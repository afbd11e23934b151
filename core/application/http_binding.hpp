#pragma once

#include "core/application/http_api.hpp"
#include "core/domain/http_trigger.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ryax::app {

// What a call to `endpoint` carries: its fields' texts, or the reply
// refusing it.
struct BoundCall
{
  // Each field's text by name, in the endpoint's order; an absent optional
  // field is left out.
  std::vector<std::pair<std::string, std::string>> values;
  // A 400 naming the field: a field missing or of another JSON kind than
  // its type, or a body member the endpoint does not declare.
  std::optional<ApiReply> refused;
};

// The fields of `endpoint` read from `request`: each from its origin
// ("path" from `parameters`, match_path's; "query", "header" as "a_b" or
// "a-b" in any case, "cookie", else the JSON body). Pure: HttpApi::call's
// binding, apart so that it can be tested and fuzzed alone
// (tests/fuzz/http_request.cpp).
BoundCall bind_call(const domain::HttpEndpoint& endpoint,
                    const std::map<std::string, std::string>& parameters,
                    const ApiRequest& request);

} // namespace ryax::app
