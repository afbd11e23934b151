#pragma once

#include "core/application/log.hpp" // app::Secret
#include "core/domain/error.hpp"
#include "core/infrastructure/config/paths.hpp" // Environment

#include <string>

namespace YAML {
class Node;
} // namespace YAML

// The `filestore` key of ryaxd.yaml: where the files and directories of
// runs are stored.
namespace ryax::infra::config {

// The run file store: "local" (the default: files under the data dir) or
// "s3" (the local store plus an S3-compatible bucket shared by sites).
struct FilestoreConfig
{
  std::string type = "local";
  std::string endpoint; // "http://HOST:PORT" or "https://HOST"
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key;
  // The file holding the secret key (mode 0600 or stricter); relative to
  // the config file's folder. "" when the secret comes from the
  // environment.
  std::string secret_key_file;
  // Where the secret was read: "RYAX_S3_SECRET_KEY" or the file's path.
  std::string secret_source;
  app::Secret secret_key;
};

// Read the value of the `filestore` key, found at `at`
// ("file:line:column"): a mapping of type (local|s3), endpoint, bucket,
// region, access_key and secret_key_file. invalid_argument naming the
// file, line, column and key path for an unknown or duplicate key, a bad
// type, or a `secret_key` (the secret never goes in ryaxd.yaml).
Result<FilestoreConfig> read_filestore(const YAML::Node& node,
                                       const std::string& at);

// Check an "s3" store and read its secret: RYAX_S3_SECRET_KEY from `env`
// when set, else the file secret_key_file (a relative path is taken from
// `base_dir`). invalid_argument when endpoint, bucket or access_key is
// missing, when there is no secret, or when the file is readable by its
// group or others (naming its mode). Nothing for a "local" store.
Result<void> resolve_filestore(FilestoreConfig& config,
                               const Environment& env,
                               const std::string& base_dir);

// The store for --print-config, never the secret: "local", or
// "s3 (endpoint URL, bucket B, region R, access_key K, secret from S)".
std::string describe_filestore(const FilestoreConfig& config);

} // namespace ryax::infra::config
