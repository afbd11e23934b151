#pragma once

#include "core/application/log.hpp" // app::Secret
#include "core/domain/error.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ryax::infra::s3 {

// Where the objects live and how to reach them.
struct S3Settings
{
  // "http://HOST:PORT" or "https://HOST", without a trailing '/'. URLs are
  // path-style: ENDPOINT/BUCKET/KEY.
  std::string endpoint;
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key;
  app::Secret secret_key; // never logged, never in an error message
  // Files larger than this are uploaded in parts of this size (multipart
  // upload); S3 wants at least 5 MiB per part but the last.
  std::uint64_t part_size = std::uint64_t{16} << 20;
  // Attempts per request on network errors, 5xx and 429, at most.
  int max_attempts = 5;
  // The wait before the second attempt; it doubles for each one after.
  std::chrono::milliseconds first_backoff{200};
};

// A small client of an S3-compatible store over libcurl, for one bucket.
// Requests are signed with AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4,
// service "s3"); the payload hash is sent as x-amz-content-sha256 (the
// SHA-256 of a small body, "UNSIGNED-PAYLOAD" for a streamed file), which
// libcurl 7.88 signs as the payload hash. Files stream from and to disk,
// never whole in memory. Network errors, 5xx and 429 are retried with
// exponential backoff; errors are one line naming the operation,
// "bucket/key", the HTTP status and the S3 error code, never the secret:
//
//   s3: GET "runs/ab…/x.csv" in bucket "data": HTTP 404 NoSuchKey (The
//   specified key does not exist.)
//
// Codes: not_found (404), permission_denied (401, 403), unavailable
// (network errors and 5xx/429 after the last attempt), internal
// (anything else, local I/O). Thread-safe: each call uses its own handle.
class S3Client
{
public:
  explicit S3Client(S3Settings settings);

  // Create the bucket unless it exists already (owned by us).
  Result<void> ensure_bucket();

  // Whether object `key` exists (HEAD).
  Result<bool> exists(const std::string& key);

  // Upload the regular file at `path` as `key`, streamed; in parts above
  // settings().part_size, the upload aborted on failure.
  Result<void> put_file(const std::string& key, const std::string& path);

  // Download `key` to `path`: written to "<path>.part.XXXXXX" beside it,
  // then renamed, so `path` is whole or untouched. not_found when absent.
  Result<void> get_file(const std::string& key, const std::string& path);

  // Delete `key`; deleting a missing key succeeds (as S3 does).
  Result<void> remove(const std::string& key);

  const S3Settings& settings() const { return m_settings; }

private:
  // An uploaded part of a multipart upload.
  struct Part
  {
    int number;
    std::string etag;
  };
  // Upload `size` bytes of `fd` as `key` in parts of part_size.
  Result<void> put_multipart(const std::string& key,
                             int fd,
                             std::uint64_t size);

  S3Settings m_settings;
};

// `text` percent-encoded as SigV4 wants: unreserved characters
// (A-Z a-z 0-9 - . _ ~) kept, '/' kept when `keep_slash`, every other byte
// as %XX in upper case.
std::string uri_encode(std::string_view text, bool keep_slash);

} // namespace ryax::infra::s3
