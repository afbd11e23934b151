#pragma once

#include "core/application/http_api.hpp"
#include "core/domain/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace ryax::daemon::http {

// How the HTTP server listens.
struct HttpSettings
{
  std::string host;
  int port = 0;               // 0: any free port
  std::int64_t max_body = 0;  // bytes
  // PEM certificate chain and key: TLS when set (http_listen on a host that
  // is not loopback).
  std::string chain_pem;
  std::string key_pem;
  // GET /metrics answers what this returns (the Prometheus text format);
  // unset: no /metrics.
  std::function<std::string()> metrics;
  // When set, /metrics wants "Authorization: Bearer <metrics_token>".
  std::string metrics_token;
};

// ryaxd's HTTP server (cpp-httplib): the projects' APIs
// (/user-api/PROJECT/...), their OpenAPI documents
// (/user-api/PROJECT/openapi.json), the postgw portals
// (/portal/PROJECT/WORKFLOW), the result links (/runner/results/RUN) and
// the daemon's metrics (/metrics). Every reply but the metrics is JSON.
// Thin: HttpApi decides.
class HttpServer
{
public:
  HttpServer(app::HttpApi& api, HttpSettings settings);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Bind the address (requests wait until serve()). unavailable naming the
  // address when it cannot be bound; invalid_argument for bad TLS PEM.
  Result<void> bind();

  // Serve on a thread of its own.
  void serve();

  // Stop accepting and wait for the calls under way. Idempotent.
  void stop();

  // "http://127.0.0.1:8080" (the port bound), or https.
  const std::string& url() const { return m_url; }

private:
  void routes();

  app::HttpApi& m_api;
  HttpSettings m_settings;
  std::unique_ptr<httplib::Server> m_server;
  std::string m_url;
  std::thread m_thread;
};

} // namespace ryax::daemon::http
