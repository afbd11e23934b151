#include "core/infrastructure/s3/s3_http.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

namespace ryax::infra::s3 {

std::string
uri_encode(std::string_view text, bool keep_slash)
{
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' ||
        c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

namespace detail {

namespace {

struct CurlFree
{
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// What the callbacks of one attempt share.
struct Exchange
{
  const HttpRequest* request;
  CURL* curl;
  HttpResponse response;
  std::uint64_t sent = 0; // bytes of the streamed body read so far
  int io_errno = 0;       // a failed local read or write
};

std::size_t
read_body(char* buffer, std::size_t size, std::size_t count, void* data)
{
  auto& x = *static_cast<Exchange*>(data);
  const auto& r = *x.request;
  const auto left = r.upload_size - x.sent;
  const auto want = std::min<std::uint64_t>(size * count, left);
  if (want == 0) {
    return 0;
  }
  for (;;) {
    const auto got = ::pread(r.upload_fd, buffer, want,
                             static_cast<off_t>(r.upload_offset + x.sent));
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      x.io_errno = got < 0 ? errno : EIO; // the file shrank
      return CURL_READFUNC_ABORT;
    }
    x.sent += static_cast<std::uint64_t>(got);
    return static_cast<std::size_t>(got);
  }
}

std::size_t
write_body(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& x = *static_cast<Exchange*>(user);
  const auto total = size * count;
  long status = 0;
  curl_easy_getinfo(x.curl, CURLINFO_RESPONSE_CODE, &status);
  if (x.request->download_fd < 0 || status < 200 || status > 299) {
    // Error bodies are small XML documents; keep at most 64 KiB of one.
    if (x.response.body.size() < 65536) {
      x.response.body.append(data, total);
    }
    return total;
  }
  for (std::size_t done = 0; done < total;) {
    const auto put = ::write(x.request->download_fd, data + done, total - done);
    if (put < 0 && errno == EINTR) {
      continue;
    }
    if (put < 0) {
      x.io_errno = errno;
      return 0; // makes curl fail with CURLE_WRITE_ERROR
    }
    done += static_cast<std::size_t>(put);
  }
  return total;
}

std::size_t
read_header(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& x = *static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  constexpr std::string_view k_etag = "etag:";
  if (line.size() > k_etag.size()) {
    std::string name(line.substr(0, k_etag.size()));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (name == k_etag) {
      auto value = line.substr(k_etag.size());
      const auto first = value.find_first_not_of(" \t");
      const auto last = value.find_last_not_of(" \t\r\n");
      x.response.etag = first == std::string_view::npos
                          ? std::string()
                          : std::string(value.substr(first, last - first + 1));
    }
  }
  return size * count;
}

std::string
url_of(const S3Settings& settings, const HttpRequest& request)
{
  auto url = settings.endpoint + "/" + uri_encode(settings.bucket, false);
  if (!request.key.empty()) {
    url += "/" + uri_encode(request.key, true);
  }
  if (!request.query.empty()) {
    url += "?" + request.query;
  }
  return url;
}

// One attempt. A curl failure is returned as a CURLcode with the message.
struct Attempt
{
  CURLcode code = CURLE_OK;
  std::string curl_message;
  HttpResponse response;
  int io_errno = 0;
};

Attempt
attempt(const S3Settings& settings, const HttpRequest& request)
{
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  Attempt result;
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) {
    result.code = CURLE_FAILED_INIT;
    result.curl_message = "cannot make a libcurl handle";
    return result;
  }
  Exchange x{ &request, curl.get(), {}, 0, 0 };
  CURL* c = curl.get();
  const auto url = url_of(settings, request);
  const auto sigv4 = "aws:amz:" + settings.region + ":s3";
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(c, CURLOPT_USERNAME, settings.access_key.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, settings.secret_key.value.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  // A transfer stalled for a minute is a network error (and retried).
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);

  std::unique_ptr<curl_slist, CurlFree> headers;
  const auto add_header = [&](const std::string& header) {
    headers.reset(curl_slist_append(headers.release(), header.c_str()));
  };
  if (request.upload_fd >= 0) {
    add_header("x-amz-content-sha256: UNSIGNED-PAYLOAD");
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(c, CURLOPT_READDATA, &x);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.upload_size));
  } else {
    add_header("x-amz-content-sha256: " + sha256_hex(request.body));
    if (request.method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET") {
      // A body, even empty, so that PUT and POST send Content-Length: 0.
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }
  if (!request.content_type.empty()) {
    add_header("Content-Type: " + request.content_type);
  }
  if (request.method != "GET" && request.method != "HEAD") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  result.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x.response.status);
  result.curl_message = error[0] != 0 ? error : curl_easy_strerror(result.code);
  result.response = std::move(x.response);
  result.io_errno = x.io_errno;
  return result;
}

std::string
object_name(const S3Settings& settings, const HttpRequest& request)
{
  if (request.key.empty()) {
    return fmt::format("bucket \"{}\"", settings.bucket);
  }
  return fmt::format("\"{}\" in bucket \"{}\"", request.key, settings.bucket);
}

} // namespace

std::string
sha256_hex(std::string_view data)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  std::string text;
  for (unsigned int i = 0; i < size; ++i) {
    text += fmt::format("{:02x}", digest[i]);
  }
  return text;
}

std::string
xml_value(const std::string& xml, std::string_view tag)
{
  const auto open = fmt::format("<{}>", tag);
  const auto start = xml.find(open);
  if (start == std::string::npos) {
    return {};
  }
  const auto from = start + open.size();
  const auto end = xml.find(fmt::format("</{}>", tag), from);
  return end == std::string::npos ? std::string() : xml.substr(from, end - from);
}

Result<HttpResponse>
send(const S3Settings& settings, const HttpRequest& request)
{
  auto backoff = settings.first_backoff;
  const int attempts = std::max(1, settings.max_attempts);
  std::string last_failure;
  for (int n = 1; n <= attempts; ++n) {
    if (n > 1) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
    if (request.download_fd >= 0 &&
        (::ftruncate(request.download_fd, 0) != 0 ||
         ::lseek(request.download_fd, 0, SEEK_SET) != 0)) {
      return fail(ErrorCode::internal,
                  fmt::format("s3: {} {}: cannot reset the download file: {}",
                              request.method, object_name(settings, request),
                              std::strerror(errno)));
    }
    auto result = attempt(settings, request);
    if (result.io_errno != 0) {
      return fail(ErrorCode::internal,
                  fmt::format("s3: {} {}: local file: {}", request.method,
                              object_name(settings, request),
                              std::strerror(result.io_errno)));
    }
    if (result.code != CURLE_OK) {
      last_failure = result.curl_message;
      continue; // network error: retried
    }
    const auto status = result.response.status;
    if ((status >= 500 || status == 429) && n < attempts) {
      continue;
    }
    return std::move(result.response);
  }
  return fail(ErrorCode::unavailable,
              fmt::format("s3: {} {} at {}: {} (after {} attempts)",
                          request.method, object_name(settings, request),
                          settings.endpoint, last_failure, attempts));
}

Error
http_error(const S3Settings& settings,
           const HttpRequest& request,
           const HttpResponse& response)
{
  const auto status = response.status;
  auto code = ErrorCode::internal;
  if (status == 404) {
    code = ErrorCode::not_found;
  } else if (status == 401 || status == 403) {
    code = ErrorCode::permission_denied;
  } else if (status >= 500 || status == 429) {
    code = ErrorCode::unavailable;
  }
  auto message = fmt::format("s3: {} {}: HTTP {}", request.method,
                             object_name(settings, request), status);
  if (const auto s3_code = xml_value(response.body, "Code"); !s3_code.empty()) {
    message += " " + s3_code;
    if (const auto text = xml_value(response.body, "Message"); !text.empty()) {
      message += " (" + text + ")";
    }
  } else if (status == 404 && request.method == "HEAD") {
    message += " (no such key or bucket)"; // a HEAD response has no body
  }
  return Error{ code, std::move(message) };
}

} // namespace detail

} // namespace ryax::infra::s3
