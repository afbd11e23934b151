#include "core/infrastructure/config/slurm_site_config.hpp"

#include "core/domain/action.hpp"
#include "core/domain/slurm.hpp"
#include "core/infrastructure/config/yaml_config_support.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ryax::infra::config {

namespace {

using namespace detail;

constexpr std::string_view k_site_keys[] = {
  "name",          "type",            "credentials", "partitions",
  "cache_dir",     "poll_interval",   "squeue_interval",
  "keep_failed",
};
constexpr std::string_view k_credential_keys[] = {
  "server", "username", "privateKeyFile", "configFile", "knownHostsFile"
};

// "host" or "host:port" (a port from 1 to 65535).
Result<void>
read_server(SlurmSiteConfig& site,
            const YAML::Node& node,
            const std::string& at,
            const std::string& path)
{
  RYAX_TRY_ASSIGN(auto text, scalar(node, at, path, "\"host\" or \"host:port\""));
  const auto bad = [&](std::string_view why) {
    return invalid(where_of(at, node), path,
                   fmt::format("{}, got {}", why, shown(node)));
  };
  if (std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '@';
      })) {
    return bad("expected \"host\" or \"host:port\" (no user, path or space)");
  }
  if (const auto colon = text.rfind(':'); colon != std::string::npos) {
    int port = 0;
    const auto digits = std::string_view(text).substr(colon + 1);
    const auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port < 1
        || port > 65535) {
      return bad("expected a port from 1 to 65535 after ':'");
    }
    site.port = port;
    text.resize(colon);
  }
  if (text.empty() || text.front() == '-') {
    return bad("expected a host name");
  }
  site.host = std::move(text);
  return {};
}

// An absolute path of an existing file; `private_key` files must not be
// readable by group or others (as ssh refuses them).
Result<std::string>
read_file_path(const YAML::Node& node,
               const std::string& at,
               const std::string& path,
               bool private_key)
{
  RYAX_TRY_ASSIGN(auto file, scalar(node, at, path, "an absolute file path"));
  const auto here = where_of(at, node);
  if (!file.starts_with('/')) {
    return invalid(here, path,
                   fmt::format("expected an absolute file path, got {}",
                               shown(node)));
  }
  struct stat info{};
  if (::stat(file.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return invalid(here, path, fmt::format("no file \"{}\"", file));
  }
  if (private_key && (info.st_mode & 077) != 0) {
    return invalid(here, path,
                   fmt::format("\"{}\" is readable by others (mode {:o}): "
                               "chmod 600 it",
                               file, info.st_mode & 0777));
  }
  return file;
}

Result<void>
read_credentials(SlurmSiteConfig& site,
                 const YAML::Node& node,
                 const std::string& at,
                 const std::string& path)
{
  if (!node.IsMap()) {
    return invalid(where_of(at, node), path,
                   fmt::format("expected a mapping with server, username and "
                               "privateKeyFile, got {}",
                               shown(node)));
  }
  RYAX_TRY(for_each_key(
    node, at, path, k_credential_keys,
    [&](std::string_view key, const YAML::Node& value,
        const std::string& key_path) -> Result<void> {
      if (key == "server") {
        return read_server(site, value, at, key_path);
      }
      if (key == "username") {
        RYAX_TRY_ASSIGN(site.user, scalar(value, at, key_path, "a user name"));
        if (site.user.front() == '-'
            || std::any_of(site.user.begin(), site.user.end(), [](char c) {
                 return static_cast<unsigned char>(c) <= ' ' || c == '@';
               })) {
          return invalid(where_of(at, value), key_path,
                         fmt::format("expected a user name, got {}",
                                     shown(value)));
        }
        return {};
      }
      if (key == "privateKeyFile") {
        RYAX_TRY_ASSIGN(site.private_key_file,
                        read_file_path(value, at, key_path, true));
        return {};
      }
      if (key == "configFile") {
        RYAX_TRY_ASSIGN(site.config_file,
                        read_file_path(value, at, key_path, false));
        return {};
      }
      RYAX_TRY_ASSIGN(site.known_hosts_file,
                      read_file_path(value, at, key_path, false));
      return {};
    }));
  for (const auto& [key, value] :
       { std::pair{ "server", site.host }, std::pair{ "username", site.user },
         std::pair{ "privateKeyFile", site.private_key_file } }) {
    if (value.empty()) {
      return invalid(where_of(at, node), path,
                     fmt::format("missing key \"{}\"", key));
    }
  }
  return {};
}

// A duration: seconds as a number, or a string with unit ms, s, m, h or d;
// from `low_ms` to `high_ms`.
Result<std::int64_t>
read_interval_ms(const YAML::Node& node,
                 const std::string& at,
                 const std::string& path,
                 std::int64_t low_ms,
                 std::int64_t high_ms)
{
  const auto what = fmt::format(
    "a duration from {}ms to {}s (seconds, or \"500ms\", \"2s\", \"1h\")",
    low_ms, high_ms / 1000);
  RYAX_TRY_ASSIGN(const auto text, scalar(node, at, path, what));
  std::int64_t ms = -1;
  double seconds = 0;
  if (text.ends_with("ms")) {
    const auto digits = std::string_view(text).substr(0, text.size() - 2);
    const auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), ms);
    if (ec != std::errc{} || end != digits.data() + digits.size()) {
      ms = -1;
    }
  } else if (YAML::convert<double>::decode(node, seconds)
             && std::isfinite(seconds)) {
    ms = static_cast<std::int64_t>(std::llround(seconds * 1000));
  } else if (auto parsed = domain::parse_duration_seconds(text)) {
    ms = *parsed * 1000;
  }
  if (ms < low_ms || ms > high_ms) {
    return invalid(where_of(at, node), path,
                   fmt::format("expected {}, got {}", what, shown(node)));
  }
  return ms;
}

Result<SlurmSiteConfig>
read_one(const YAML::Node& node, const std::string& at, const std::string& path)
{
  if (!node.IsMap()) {
    return invalid(where_of(at, node), path,
                   fmt::format("expected a mapping with name, type, "
                               "credentials and partitions, got {}",
                               shown(node)));
  }
  SlurmSiteConfig site;
  site.site.type = std::string(domain::k_slurm_site_type);
  site.site.name.clear();
  bool typed = false;
  RYAX_TRY(for_each_key(
    node, at, path, k_site_keys,
    [&](std::string_view key, const YAML::Node& value,
        const std::string& key_path) -> Result<void> {
      if (key == "name") {
        RYAX_TRY_ASSIGN(site.site.name, read_name(value, at, key_path));
      } else if (key == "type") {
        RYAX_TRY_ASSIGN(const auto type,
                        scalar(value, at, key_path, "SLURM_SSH"));
        if (type != domain::k_slurm_site_type) {
          return invalid(where_of(at, value), key_path,
                         fmt::format("expected SLURM_SSH (the one site type "
                                     "ryaxd hosts besides its own), got {}",
                                     shown(value)));
        }
        typed = true;
      } else if (key == "credentials") {
        RYAX_TRY(read_credentials(site, value, at, key_path));
      } else if (key == "partitions") {
        RYAX_TRY(read_node_pools(site.site, value, at, key_path));
      } else if (key == "cache_dir") {
        RYAX_TRY_ASSIGN(site.cache_dir,
                        scalar(value, at, key_path, "a directory path"));
        if (!site.cache_dir.starts_with('/') && !site.cache_dir.starts_with("~/")) {
          return invalid(where_of(at, value), key_path,
                         fmt::format("expected an absolute path or one "
                                     "starting with \"~/\", got {}",
                                     shown(value)));
        }
      } else if (key == "poll_interval") {
        RYAX_TRY_ASSIGN(site.poll_interval_ms,
                        read_interval_ms(value, at, key_path, 100, 60'000));
      } else if (key == "squeue_interval") {
        RYAX_TRY_ASSIGN(site.squeue_interval_ms,
                        read_interval_ms(value, at, key_path, 1000, 600'000));
      } else {
        RYAX_TRY_ASSIGN(
          const auto ms,
          read_interval_ms(value, at, key_path, 0, 365LL * 86400 * 1000));
        site.keep_failed_seconds = ms / 1000;
      }
      return {};
    }));
  for (const auto& [key, given] :
       { std::pair{ "name", !site.site.name.empty() }, std::pair{ "type", typed },
         std::pair{ "credentials", !site.host.empty() },
         std::pair{ "partitions", !site.site.pools.empty() } }) {
    if (!given) {
      return invalid(where_of(at, node), path,
                     fmt::format("missing key \"{}\"", key));
    }
  }
  return site;
}

} // namespace

Result<std::vector<SlurmSiteConfig>>
read_sites(const YAML::Node& node, const std::string& at)
{
  if (!node.IsSequence()) {
    return invalid(at, "sites",
                   fmt::format("expected a list of sites, got {}", shown(node)));
  }
  std::vector<SlurmSiteConfig> sites;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto path = fmt::format("sites[{}]", i);
    RYAX_TRY_ASSIGN(auto site, read_one(node[i], at, path));
    for (std::size_t j = 0; j < sites.size(); ++j) {
      if (sites[j].site.name == site.site.name) {
        return invalid(where_of(at, node[i]["name"]), path + ".name",
                       fmt::format("duplicate site \"{}\" (first at "
                                   "sites[{}])",
                                   site.site.name, j));
      }
    }
    sites.push_back(std::move(site));
  }
  return sites;
}

std::string
describe_site(const SlurmSiteConfig& site)
{
  std::string partitions;
  for (const auto& pool : site.site.pools) {
    partitions += (partitions.empty() ? "" : ", ") + pool.name;
  }
  return fmt::format("{}: {} {}@{}:{} (key {}, cache {}, partitions {})",
                     site.site.name, site.site.type, site.user, site.host,
                     site.port, site.private_key_file, site.cache_dir,
                     partitions);
}

} // namespace ryax::infra::config
