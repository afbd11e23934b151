#pragma once

#include "core/domain/catalogue.hpp"

#include <nlohmann/json.hpp>

namespace ryax::infra::json {

// The documented JSON form of action metadata (man ryax(1), "ACTION
// DOCUMENT"): the same field names in storage, on the wire and in `-o json`.
nlohmann::json to_json(const domain::ActionMetadata& metadata);

// The inverse of to_json. invalid_argument naming the field when `doc` is
// not of that form.
Result<domain::ActionMetadata> metadata_from_json(const nlohmann::json& doc);

// A catalogued version: the metadata fields plus repository, commit,
// directory, tree_id, scanned_at, gone_from_head and build_state.
nlohmann::json to_json(const domain::ActionVersion& version);

// A scalar as JSON (bool, integer, float or string).
nlohmann::json to_json(const domain::Scalar& scalar);

} // namespace ryax::infra::json
