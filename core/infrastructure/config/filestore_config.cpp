#include "core/infrastructure/config/filestore_config.hpp"

#include "core/infrastructure/config/yaml_config_support.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace ryax::infra::config {

using namespace detail;

namespace {

constexpr std::array<std::string_view, 6> k_keys = {
  "type", "endpoint", "bucket", "region", "access_key", "secret_key_file"
};

Result<std::string>
read_secret_file(const std::string& path)
{
  struct stat st = {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("filestore.secret_key_file: cannot read \"{}\": {}",
                            path, std::strerror(errno)));
  }
  if ((st.st_mode & 077) != 0) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("filestore.secret_key_file: \"{}\" is readable by "
                            "its group or others (mode {:04o}): chmod 600 it",
                            path, st.st_mode & 07777));
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
    secret.pop_back();
  }
  if (!in || secret.empty()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("filestore.secret_key_file: \"{}\" is empty or "
                            "unreadable",
                            path));
  }
  return secret;
}

} // namespace

Result<FilestoreConfig>
read_filestore(const YAML::Node& node, const std::string& at)
{
  if (!node.IsMap()) {
    return invalid(at, "filestore",
                   fmt::format("expected a mapping with type (local or s3), "
                               "got {}",
                               shown(node)));
  }
  FilestoreConfig config;
  std::vector<std::string> seen;
  for (const auto& entry : node) {
    const auto here = where_of(at, entry.first);
    const auto key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const auto path = "filestore." + key;
    if (key == "secret_key") {
      return invalid(here, path,
                     "the secret does not go in ryaxd.yaml: name a file of "
                     "mode 0600 holding it with secret_key_file, or set "
                     "RYAX_S3_SECRET_KEY");
    }
    if (std::find(k_keys.begin(), k_keys.end(), key) == k_keys.end()) {
      return invalid(here, path, unknown_key(key, k_keys));
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return invalid(here, path, "duplicate key");
    }
    seen.push_back(key);
    const auto& value = entry.second;
    if (!value.IsScalar() || value.Scalar().empty()) {
      return invalid(where_of(at, value), path,
                     fmt::format("expected a string, got {}", shown(value)));
    }
    const auto& text = value.Scalar();
    if (key == "type") {
      if (text != "local" && text != "s3") {
        return invalid(where_of(at, value), path,
                       fmt::format("expected local or s3, got \"{}\"", text));
      }
      config.type = text;
    } else if (key == "endpoint") {
      if (!text.starts_with("http://") && !text.starts_with("https://")) {
        return invalid(where_of(at, value), path,
                       fmt::format("expected an http:// or https:// URL, "
                                   "got \"{}\"",
                                   text));
      }
      config.endpoint = text;
    } else if (key == "bucket") {
      config.bucket = text;
    } else if (key == "region") {
      config.region = text;
    } else if (key == "access_key") {
      config.access_key = text;
    } else {
      config.secret_key_file = text;
    }
  }
  return config;
}

Result<void>
resolve_filestore(FilestoreConfig& config,
                  const Environment& env,
                  const std::string& base_dir)
{
  if (config.type != "s3") {
    return {};
  }
  for (const auto& [name, value] :
       { std::pair{ "endpoint", &config.endpoint },
         std::pair{ "bucket", &config.bucket },
         std::pair{ "access_key", &config.access_key } }) {
    if (value->empty()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("filestore: type s3 needs {}", name));
    }
  }
  if (auto secret = get(env, "RYAX_S3_SECRET_KEY"); !secret.empty()) {
    config.secret_key.value = std::move(secret);
    config.secret_source = "RYAX_S3_SECRET_KEY";
    return {};
  }
  if (config.secret_key_file.empty()) {
    return fail(ErrorCode::invalid_argument,
                "filestore: type s3 needs its secret key: set "
                "RYAX_S3_SECRET_KEY, or name a file of mode 0600 holding it "
                "with filestore.secret_key_file");
  }
  if (!config.secret_key_file.starts_with('/') && !base_dir.empty()) {
    config.secret_key_file = base_dir + "/" + config.secret_key_file;
  }
  RYAX_TRY_ASSIGN(config.secret_key.value,
                  read_secret_file(config.secret_key_file));
  config.secret_source = config.secret_key_file;
  return {};
}

std::string
describe_filestore(const FilestoreConfig& config)
{
  if (config.type != "s3") {
    return config.type;
  }
  return fmt::format("s3 (endpoint {}, bucket {}, region {}, access_key {}, "
                     "secret from {})",
                     config.endpoint, config.bucket, config.region,
                     config.access_key,
                     config.secret_source.empty() ? "nowhere"
                                                  : config.secret_source);
}

} // namespace ryax::infra::config
