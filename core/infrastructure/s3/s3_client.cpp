#include "core/infrastructure/s3/s3_client.hpp"

#include "core/infrastructure/process/unique_fd.hpp"
#include "core/infrastructure/s3/s3_http.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

namespace ryax::infra::s3 {

using detail::HttpRequest;
using detail::HttpResponse;

namespace {

HttpRequest
request(std::string method, std::string key = {}, std::string query = {})
{
  HttpRequest r;
  r.method = std::move(method);
  r.key = std::move(key);
  r.query = std::move(query);
  return r;
}

bool
success(const HttpResponse& response)
{
  return response.status >= 200 && response.status <= 299;
}

// The response of `request` when it is a success, else its error.
Result<HttpResponse>
exchange(const S3Settings& settings, const HttpRequest& request)
{
  RYAX_TRY_ASSIGN(auto response, detail::send(settings, request));
  if (!success(response)) {
    return std::unexpected(detail::http_error(settings, request, response));
  }
  return response;
}

std::unexpected<Error>
local_failure(std::string_view what, const std::string& path)
{
  return fail(ErrorCode::internal,
              fmt::format("s3: cannot {} \"{}\": {}", what, path,
                          std::strerror(errno)));
}

} // namespace

S3Client::S3Client(S3Settings settings)
  : m_settings(std::move(settings))
{
  while (m_settings.endpoint.ends_with('/')) {
    m_settings.endpoint.pop_back();
  }
}

Result<void>
S3Client::ensure_bucket()
{
  const HttpRequest head = request("HEAD");
  RYAX_TRY_ASSIGN(const auto found, detail::send(m_settings, head));
  if (success(found)) {
    return {};
  }
  if (found.status != 404) {
    return std::unexpected(detail::http_error(m_settings, head, found));
  }
  const HttpRequest create = request("PUT");
  RYAX_TRY_ASSIGN(const auto made, detail::send(m_settings, create));
  const auto code = detail::xml_value(made.body, "Code");
  // Another daemon may have made it meanwhile.
  if (success(made) || code == "BucketAlreadyOwnedByYou") {
    return {};
  }
  return std::unexpected(detail::http_error(m_settings, create, made));
}

Result<bool>
S3Client::exists(const std::string& key)
{
  const HttpRequest head = request("HEAD", key);
  RYAX_TRY_ASSIGN(const auto response, detail::send(m_settings, head));
  if (success(response)) {
    return true;
  }
  if (response.status == 404) {
    return false;
  }
  return std::unexpected(detail::http_error(m_settings, head, response));
}

Result<void>
S3Client::put_file(const std::string& key, const std::string& path)
{
  process::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st = {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    return local_failure("read", path);
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > m_settings.part_size) {
    return put_multipart(key, fd.get(), size);
  }
  HttpRequest put = request("PUT", key);
  put.upload_fd = fd.get();
  put.upload_size = size;
  RYAX_TRY(exchange(m_settings, put));
  return {};
}

Result<void>
S3Client::put_multipart(const std::string& key,
                        int fd,
                        std::uint64_t size)
{
  const HttpRequest create = request("POST", key, "uploads=");
  RYAX_TRY_ASSIGN(const auto created, exchange(m_settings, create));
  const auto upload_id = detail::xml_value(created.body, "UploadId");
  if (upload_id.empty()) {
    return fail(ErrorCode::internal,
                fmt::format("s3: POST \"{}\" in bucket \"{}\": no UploadId in "
                            "the answer to CreateMultipartUpload",
                            key, m_settings.bucket));
  }
  const auto id_query = "uploadId=" + uri_encode(upload_id, false);

  auto uploaded = [&]() -> Result<void> {
    std::vector<Part> parts;
    for (std::uint64_t offset = 0; offset < size; offset += m_settings.part_size) {
      const int number = static_cast<int>(parts.size()) + 1;
      HttpRequest part = request("PUT", key);
      // Sorted by name: partNumber before uploadId.
      part.query = fmt::format("partNumber={}&{}", number, id_query);
      part.upload_fd = fd;
      part.upload_offset = offset;
      part.upload_size = std::min(m_settings.part_size, size - offset);
      RYAX_TRY_ASSIGN(const auto response, exchange(m_settings, part));
      parts.push_back(Part{ number, response.etag });
    }
    std::string xml = "<CompleteMultipartUpload>";
    for (const auto& part : parts) {
      xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>",
                         part.number, part.etag);
    }
    xml += "</CompleteMultipartUpload>";
    HttpRequest complete = request("POST", key, id_query);
    complete.body = std::move(xml);
    complete.content_type = "application/xml";
    RYAX_TRY_ASSIGN(const auto done, exchange(m_settings, complete));
    // S3 may answer 200 and still fail: the error is in the body.
    if (const auto code = detail::xml_value(done.body, "Code"); !code.empty()) {
      return fail(ErrorCode::unavailable,
                  fmt::format("s3: POST \"{}\" in bucket \"{}\": "
                              "CompleteMultipartUpload failed: {} ({})",
                              key, m_settings.bucket, code,
                              detail::xml_value(done.body, "Message")));
    }
    return {};
  }();
  if (!uploaded) {
    // Best effort: the parts of an upload never completed cost storage.
    const HttpRequest abort = request("DELETE", key, id_query);
    (void)detail::send(m_settings, abort);
  }
  return uploaded;
}

Result<void>
S3Client::get_file(const std::string& key, const std::string& path)
{
  auto temp = path + ".part.XXXXXX";
  process::UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (fd.get() < 0) {
    return local_failure("create a file beside", path);
  }
  HttpRequest get = request("GET", key);
  get.download_fd = fd.get();
  auto got = exchange(m_settings, get);
  if (got && (::fsync(fd.get()) != 0 || ::rename(temp.c_str(), path.c_str()) != 0)) {
    auto failure = local_failure("write", path);
    ::unlink(temp.c_str());
    return failure;
  }
  if (!got) {
    ::unlink(temp.c_str());
    return std::unexpected(std::move(got).error());
  }
  return {};
}

Result<void>
S3Client::remove(const std::string& key)
{
  const HttpRequest del = request("DELETE", key);
  RYAX_TRY_ASSIGN(const auto response, detail::send(m_settings, del));
  if (success(response) || response.status == 404) {
    return {};
  }
  return std::unexpected(detail::http_error(m_settings, del, response));
}

} // namespace ryax::infra::s3
