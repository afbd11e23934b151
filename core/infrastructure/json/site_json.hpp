#pragma once

#include "core/domain/error.hpp"
#include "core/domain/scheduling.hpp"

#include <nlohmann/json.hpp>

// Sites and node pools as JSON: how the main daemon stores the sites of
// worker agents.
namespace ryax::infra::json {

// {"name", "type", "pools": [{"name", "cpu", "memory_bytes", "gpu",
// "time_seconds" (absent: none), "arch", "cost", "energy", "performance",
// "filter_no_gpu_action"}]}.
nlohmann::json site_to_json(const domain::Site& site);

// The site `doc` holds. invalid_argument naming the field that is wrong.
Result<domain::Site> site_from_json(const nlohmann::json& doc);

} // namespace ryax::infra::json
