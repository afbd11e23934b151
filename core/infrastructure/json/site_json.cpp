#include "core/infrastructure/json/site_json.hpp"

namespace ryax::infra::json {

nlohmann::json
site_to_json(const domain::Site& site)
{
  auto pools = nlohmann::json::array();
  for (const auto& pool : site.pools) {
    nlohmann::json entry{ { "name", pool.name },
                          { "cpu", pool.cpu },
                          { "memory_bytes", pool.memory_bytes },
                          { "gpu", pool.gpu },
                          { "arch", pool.arch },
                          { "cost", pool.scores.cost },
                          { "energy", pool.scores.energy },
                          { "performance", pool.scores.performance },
                          { "filter_no_gpu_action", pool.filter_no_gpu_action } };
    if (pool.time_seconds) {
      entry["time_seconds"] = *pool.time_seconds;
    }
    pools.push_back(std::move(entry));
  }
  return { { "name", site.name }, { "type", site.type }, { "pools", pools } };
}

Result<domain::Site>
site_from_json(const nlohmann::json& doc)
{
  try {
    domain::Site site;
    site.name = doc.at("name").get<std::string>();
    site.type = doc.at("type").get<std::string>();
    for (const auto& entry : doc.at("pools")) {
      domain::NodePool pool;
      pool.name = entry.at("name").get<std::string>();
      pool.cpu = entry.at("cpu").get<double>();
      pool.memory_bytes = entry.at("memory_bytes").get<std::int64_t>();
      pool.gpu = entry.at("gpu").get<std::int64_t>();
      pool.arch = entry.at("arch").get<std::string>();
      pool.scores.cost = entry.at("cost").get<int>();
      pool.scores.energy = entry.at("energy").get<int>();
      pool.scores.performance = entry.at("performance").get<int>();
      pool.filter_no_gpu_action = entry.at("filter_no_gpu_action").get<bool>();
      if (entry.contains("time_seconds")) {
        pool.time_seconds = entry.at("time_seconds").get<std::int64_t>();
      }
      site.pools.push_back(std::move(pool));
    }
    return site;
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::invalid_argument,
                std::string("not a site: ") + e.what());
  }
}

} // namespace ryax::infra::json
