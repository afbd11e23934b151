#pragma once

// Private to core/infrastructure/s3/: one signed HTTP exchange with the
// store, with retries (s3_http.cpp).

#include "core/infrastructure/s3/s3_client.hpp"

#include <cstdint>
#include <string>

namespace ryax::infra::s3::detail {

// One request to the bucket of the settings.
struct HttpRequest
{
  std::string method; // GET, HEAD, PUT, POST, DELETE
  std::string key;    // "" for the bucket itself
  // The query in canonical form: parameters sorted by name, values
  // uri_encode()d ("partNumber=1&uploadId=..."). libcurl 7.88 signs the
  // query exactly as given, so an unsorted one would be signed wrongly.
  std::string query;
  std::string body;          // a small body, hashed into the signature
  std::string content_type;  // with `body`, "" for none
  // A streamed body: `upload_size` bytes of `upload_fd` from
  // `upload_offset` (read with pread, so an attempt can start again),
  // sent as UNSIGNED-PAYLOAD. -1: no streamed body.
  int upload_fd = -1;
  std::uint64_t upload_offset = 0;
  std::uint64_t upload_size = 0;
  // A 2xx response body goes to this file (truncated before each attempt)
  // instead of HttpResponse::body. -1: none.
  int download_fd = -1;
};

struct HttpResponse
{
  long status = 0;
  std::string body; // error bodies, and 2xx bodies without download_fd
  std::string etag; // the ETag header, quotes kept
};

// Send `request`, again after a backoff on network errors, 5xx and 429, up
// to settings.max_attempts. The last response whatever its status (the
// caller decides what a 404 means), or unavailable when the network failed
// on every attempt, or internal for a local I/O error.
Result<HttpResponse> send(const S3Settings& settings,
                          const HttpRequest& request);

// The one-line error for a response that is not a success: not_found for
// 404, permission_denied for 401/403, unavailable for 5xx/429, internal
// otherwise; the S3 <Code> and <Message> of the body when present.
Error http_error(const S3Settings& settings,
                 const HttpRequest& request,
                 const HttpResponse& response);

// The text of the first <tag>…</tag> in `xml`, or "".
std::string xml_value(const std::string& xml, std::string_view tag);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

} // namespace ryax::infra::s3::detail
