#pragma once

#include "core/domain/error.hpp"
#include "core/infrastructure/config/daemon_config.hpp"
#include "daemon/shutdown_signal.hpp"

#include <chrono>
#include <memory>
#include <vector>

namespace grpc {
class Server;
class Service;
}

namespace ryax::app {
class EventBus;
class SecretBox;
}

namespace ryax::infra::sqlite {
class Database;
}

namespace ryax::daemon {

class SlurmSites;
class DaemonMetrics;
struct Adapters;
struct Services;
class Gate;
class IdentitySocket;
}

namespace ryax::daemon::http {
class HttpServer;
}

namespace ryax::daemon::agent {
class Fleet;
}

namespace ryax::daemon {

// Options that are not configuration (developer switches).
struct ServerOptions
{
  bool enable_test_rpcs = false;
};

// The composition root: owns the database, the adapters, the application
// services and the gRPC server. The only place that names concrete adapters.
class Server
{
public:
  Server(infra::config::DaemonConfig config, ServerOptions options);
  ~Server();

  // Open the database, load the encryption key (see ryaxd(8)), wire the
  // services and start serving. failed_precondition when another daemon
  // answers on the socket, or for a key file that is missing (once secrets
  // were sealed), unsafe or not a key, or a key that is not the one the
  // secrets were sealed with; the database errors of Database::open;
  // unavailable when the socket or port cannot be bound.
  Result<void> start();

  // Ask the server to stop (from a signal or the Shutdown call).
  ShutdownSignal& shutdown_signal() { return m_shutdown; }

  // Block until shutdown is requested, then stop accepting, let in-flight
  // calls finish within the grace period, close the database and remove the
  // socket.
  void wait_and_stop();

  // The addresses served ("unix:/path", "127.0.0.1:7777").
  const std::vector<std::string>& addresses() const { return m_addresses; }

  // The SHA-256 fingerprint of the CA of the TLS address ("" without one).
  const std::string& tls_fingerprint() const { return m_tls_fingerprint; }

private:
  // Bind http_listen (when set); served once the runner is up.
  Result<void> bind_http();

  infra::config::DaemonConfig m_config;
  ServerOptions m_options;
  ShutdownSignal m_shutdown;
  std::unique_ptr<infra::sqlite::Database> m_database;
  std::unique_ptr<app::SecretBox> m_secret_box;
  // Before the adapters and services: they outlive what records in them.
  std::unique_ptr<app::EventBus> m_events;
  std::unique_ptr<DaemonMetrics> m_metrics;
  std::unique_ptr<Adapters> m_adapters;
  std::unique_ptr<Services> m_app;
  std::unique_ptr<Gate> m_gate;
  std::unique_ptr<IdentitySocket> m_identity_socket;
  std::unique_ptr<http::HttpServer> m_http;
  std::unique_ptr<agent::Fleet> m_fleet; // worker agents
  std::unique_ptr<SlurmSites> m_slurm;   // ryaxd.yaml `sites`

  std::vector<std::unique_ptr<grpc::Service>> m_services;
  std::unique_ptr<grpc::Server> m_server;
  std::vector<std::string> m_addresses;
  std::string m_tls_fingerprint;
  std::chrono::steady_clock::time_point m_started;
};

} // namespace ryax::daemon
