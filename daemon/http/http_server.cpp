#include "daemon/http/http_server.hpp"

#include "core/application/log.hpp"
#include "core/application/metrics.hpp"
#include "core/domain/http_trigger.hpp"
#include "daemon/http/api_json.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <chrono>

namespace ryax::daemon::http {

namespace {

// Calls served at once (each synchronous API call holds one while its run
// goes, each keep-alive connection one while it is open).
constexpr int k_threads = 64;

void
send(httplib::Response& res, int status, const nlohmann::json& body)
{
  res.status = status;
  res.set_content(reply_text(body), "application/json");
}

void
send_error(httplib::Response& res,
           int status,
           const std::string& message,
           const std::string& field = {})
{
  nlohmann::json body = { { "error", message } };
  if (!field.empty()) {
    body["field"] = field;
  }
  send(res, status, body);
}

std::string
api_key_of(const httplib::Request& req)
{
  if (req.has_header("X-API-Key")) {
    return req.get_header_value("X-API-Key");
  }
  const auto authorization = req.get_header_value("Authorization");
  constexpr std::string_view k_bearer = "Bearer ";
  if (authorization.starts_with(k_bearer)) {
    return authorization.substr(k_bearer.size());
  }
  return {};
}

// Whether `given` is `expected`, in a time that does not tell how much of
// it matched.
bool
same_secret(const std::string& given, const std::string& expected)
{
  return given.size() == expected.size()
         && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

// The raw path of the request, without its query.
std::string_view
raw_path(const httplib::Request& req)
{
  std::string_view target = req.target;
  return target.substr(0, target.find('?'));
}

// SSL_CTX set from PEM in memory: the chain's first certificate, the
// others as its chain, and the key.
bool
load_pem(SSL_CTX& context, const std::string& chain, const std::string& key)
{
  BIO* chain_bio = BIO_new_mem_buf(chain.data(), static_cast<int>(chain.size()));
  BIO* key_bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
  bool ok = chain_bio != nullptr && key_bio != nullptr;
  X509* leaf = ok ? PEM_read_bio_X509(chain_bio, nullptr, nullptr, nullptr)
                  : nullptr;
  ok = ok && leaf != nullptr && SSL_CTX_use_certificate(&context, leaf) == 1;
  while (ok) {
    X509* extra = PEM_read_bio_X509(chain_bio, nullptr, nullptr, nullptr);
    if (extra == nullptr) {
      break;
    }
    if (SSL_CTX_add_extra_chain_cert(&context, extra) != 1) {
      X509_free(extra);
      ok = false;
    }
  }
  EVP_PKEY* pkey =
    ok ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  ok = ok && pkey != nullptr && SSL_CTX_use_PrivateKey(&context, pkey) == 1;
  X509_free(leaf);
  EVP_PKEY_free(pkey);
  BIO_free(chain_bio);
  BIO_free(key_bio);
  return ok;
}

} // namespace

HttpServer::HttpServer(app::HttpApi& api, HttpSettings settings)
  : m_api(api)
  , m_settings(std::move(settings))
{
}

HttpServer::~HttpServer()
{
  stop();
}

Result<void>
HttpServer::bind()
{
  const bool tls = !m_settings.chain_pem.empty();
  if (tls) {
    const auto chain = m_settings.chain_pem;
    const auto key = m_settings.key_pem;
    auto server = std::make_unique<httplib::SSLServer>(
      [chain, key](SSL_CTX& context) { return load_pem(context, chain, key); });
    if (!server->is_valid()) {
      return fail(ErrorCode::invalid_argument,
                  "http_listen: the TLS certificate or key cannot be loaded");
    }
    m_server = std::move(server);
  } else {
    m_server = std::make_unique<httplib::Server>();
  }
  m_server->new_task_queue = [] { return new httplib::ThreadPool(k_threads); };
  m_server->set_payload_max_length(
    static_cast<std::size_t>(m_settings.max_body));
  m_server->set_read_timeout(30, 0);
  m_server->set_keep_alive_max_count(10000);
  m_server->set_keep_alive_timeout(2); // stop() waits for idle connections
  m_server->set_tcp_nodelay(true);     // no 40 ms Nagle wait per reply
  routes();
  int port = m_settings.port;
  if (port == 0) {
    port = m_server->bind_to_any_port(m_settings.host);
  } else if (!m_server->bind_to_port(m_settings.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return fail(ErrorCode::unavailable,
                fmt::format("http_listen: cannot listen on {}:{} (in use, or "
                            "not an address of this machine): set "
                            "http_listen in ryaxd.yaml, or \"\" for no HTTP",
                            m_settings.host,
                            m_settings.port));
  }
  const auto host = m_settings.host.find(':') != std::string::npos
                      ? "[" + m_settings.host + "]"
                      : m_settings.host;
  m_url = fmt::format("{}://{}:{}", tls ? "https" : "http", host, port);
  return {};
}

void
HttpServer::serve()
{
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
  app::log::info("serving HTTP on {}", m_url);
}

void
HttpServer::stop()
{
  if (m_server && m_thread.joinable()) {
    // httplib's stop() does nothing until the listening loop runs: a stop
    // right after serve() (a SIGTERM at start) would leave it listening
    // and the join below waiting for ever. Wait for the loop (it starts
    // at once: bind() is done) before stopping it.
    const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!m_server->is_running()
           && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (m_server) {
    m_server->stop();
  }
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

void
HttpServer::routes()
{
  auto& server = *m_server;
  const bool tls = !m_settings.chain_pem.empty();
  // Links point where the client reached us.
  const auto base_url = [this, tls](const httplib::Request& req) {
    const auto host = req.get_header_value("Host");
    return host.empty() ? m_url : (tls ? "https://" : "http://") + host;
  };

  server.Get(R"(/user-api/([^/]+)/openapi\.json)",
             [this, base_url](const httplib::Request& req,
                              httplib::Response& res) {
               const auto project =
                 domain::percent_decode(req.matches[1].str()).value_or("");
               if (auto allowed = m_api.authorize(project, api_key_of(req));
                   !allowed) {
                 return send_error(res, 401, allowed.error().message);
               }
               send(res,
                    200,
                    openapi_document(
                      project, m_api.endpoints(project), base_url(req)));
             });

  const auto user_api = [this, base_url](const httplib::Request& req,
                                         httplib::Response& res) {
    app::ApiRequest call;
    call.project = domain::percent_decode(req.matches[1].str()).value_or("");
    call.method = req.method;
    const auto raw = raw_path(req);
    // "/user-api/" + the raw project segment.
    const auto after = raw.find('/', std::string_view("/user-api/").size());
    call.path = after == std::string_view::npos ? "/" : std::string(raw.substr(after));
    for (const auto& [name, value] : req.params) {
      call.query.emplace(name, value);
    }
    for (const auto& [name, value] : req.headers) {
      std::string lower = name;
      for (auto& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      call.headers.emplace(std::move(lower), value);
    }
    call.cookies = parse_cookies(req.get_header_value("Cookie"));
    call.api_key = api_key_of(req);
    if (!req.body.empty()) {
      auto fields = body_fields(req.body);
      if (!fields) {
        return send_error(res, 400, fields.error().message);
      }
      call.body = std::move(*fields);
    }
    const auto started = std::chrono::steady_clock::now();
    const auto reply = m_api.call(call);
    send(res, reply.status, reply_body(reply, base_url(req)));
    if (auto* recorder = app::metrics::recorder()) {
      // Labels a caller chooses freely (unknown paths and projects) are
      // not kept: they would make a new series each.
      const bool known = reply.status != 404 && reply.status != 401;
      recorder->http_request(
        known ? std::string_view(call.path) : "unmatched",
        call.method,
        known ? std::string_view(call.project) : "",
        reply.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now()
                                      - started)
          .count());
    }
  };
  const std::string api_pattern = R"(/user-api/([^/]+)(/.*)?)";
  server.Get(api_pattern, user_api);
  server.Post(api_pattern, user_api);
  server.Put(api_pattern, user_api);
  server.Patch(api_pattern, user_api);
  server.Delete(api_pattern, user_api);

  server.Get(R"(/runner/results/([^/]+))",
             [this, base_url](const httplib::Request& req,
                              httplib::Response& res) {
               const auto reply =
                 m_api.result(req.matches[1].str(), api_key_of(req));
               send(res, reply.status, reply_body(reply, base_url(req)));
             });

  const std::string portal_pattern = R"(/portal/([^/]+)/([^/]+))";
  server.Get(portal_pattern,
             [this](const httplib::Request& req, httplib::Response& res) {
               const auto project = req.matches[1].str();
               const auto workflow = req.matches[2].str();
               auto fields = m_api.portal(project, workflow, api_key_of(req));
               if (!fields) {
                 const auto code = fields.error().code;
                 return send_error(res,
                                   code == ErrorCode::unauthenticated ? 401
                                                                      : 404,
                                   fields.error().message);
               }
               send(res, 200, portal_document(project, workflow, *fields));
             });
  server.Post(
    portal_pattern,
    [this, base_url](const httplib::Request& req, httplib::Response& res) {
      if (!req.is_multipart_form_data()) {
        return send_error(res,
                          400,
                          "a portal takes multipart/form-data: one part per "
                          "field, files as file parts");
      }
      std::map<std::string, std::string> values;
      std::vector<app::Upload> files;
      for (const auto& [name, part] : req.files) {
        if (!part.filename.empty()) {
          app::Upload upload;
          upload.name = name;
          upload.file_name = part.filename;
          upload.content = part.content;
          files.push_back(std::move(upload));
        } else if (!values.emplace(name, part.content).second) {
          return send_error(
            res, 400, fmt::format("field \"{}\" is given twice", name), name);
        }
      }
      const auto reply = m_api.post(req.matches[1].str(),
                                    req.matches[2].str(),
                                    values,
                                    files,
                                    api_key_of(req));
      send(res, reply.status, reply_body(reply, base_url(req)));
    });

  if (m_settings.metrics) {
    server.Get("/metrics",
               [this](const httplib::Request& req, httplib::Response& res) {
                 if (!m_settings.metrics_token.empty()
                     && !same_secret(req.get_header_value("Authorization"),
                                     "Bearer " + m_settings.metrics_token)) {
                   res.set_header("WWW-Authenticate", "Bearer");
                   return send_error(res,
                                     401,
                                     "/metrics wants \"Authorization: Bearer "
                                     "<metrics_token of ryaxd.yaml>\"");
                 }
                 res.status = 200;
                 res.set_content(m_settings.metrics(),
                                 "text/plain; version=0.0.4; charset=utf-8");
               });
  }

  server.set_error_handler(
    [this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) {
        return;
      }
      if (res.status == 413) {
        return send_error(res,
                          413,
                          fmt::format("the request body is over {} bytes "
                                      "(http_max_body in ryaxd.yaml)",
                                      m_settings.max_body));
      }
      send_error(res,
                 res.status,
                 res.status == 404
                   ? fmt::format("no route {} {}: ryaxd serves /user-api/, "
                                 "/portal/, /runner/results/ and /metrics",
                                 req.method,
                                 std::string(raw_path(req)))
                   : fmt::format("HTTP {}", res.status));
    });
  server.set_exception_handler([](const httplib::Request& req,
                                  httplib::Response& res,
                                  std::exception_ptr error) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    app::log::error("HTTP {} {}: {}", req.method, req.path, what);
    send_error(res, 500, "internal error: " + what);
  });
}

} // namespace ryax::daemon::http
