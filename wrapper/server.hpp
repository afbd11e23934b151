#pragma once

#include "core/domain/error.hpp"
#include "wrapper/connection.hpp"
#include "wrapper/executor.hpp"

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ryax::wrapper {

// Where and how ryax-wrapper serves.
struct ServerOptions
{
  std::string socket_path; // a UNIX socket to create (its owner only may connect), or empty
  std::string listen;      // a TCP "HOST:PORT" (port 0: any), or empty
  // Connections served at once; more are answered with an unavailable
  // failure and closed.
  int max_connections = 64;
  // How long a write to a client that does not read may block before its
  // connection is dropped.
  std::chrono::milliseconds send_timeout = std::chrono::seconds(30);
};

// The listening sockets of ryax-wrapper and one thread per accepted
// connection (each a Connection, which calls the Executor itself: no other
// thread is involved in a request).
class Server
{
public:
  // Serve `executor`, which must outlive the server.
  Server(Executor& executor, ServerOptions options);

  // Ends the connections (their executions are cancelled), joins their
  // threads, closes the listening sockets and removes the socket file
  // unless another process replaced it.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Bind and listen on the configured addresses; a stale socket file is
  // replaced. The addresses bound, for the log ("/run/x.sock",
  // "127.0.0.1:40123"). invalid_argument for an address that does not parse
  // or a socket path over 107 bytes; unavailable when binding fails.
  Result<std::vector<std::string>> listen();

  // Accept and serve connections until `stop_fd` becomes readable (e.g. a
  // signalfd).
  void serve(int stop_fd);

private:
  struct Slot
  {
    std::unique_ptr<Connection> connection;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  Result<std::string> listen_unix();
  Result<std::string> listen_tcp();
  void accept_one(int listener, bool tcp);
  // Join the threads of finished connections; the number still running.
  int reap();

  Executor& m_executor;
  ServerOptions m_options;
  std::vector<int> m_listeners;
  std::vector<bool> m_listener_is_tcp;
  dev_t m_socket_dev = 0; // identity of our socket file, to remove only it
  ino_t m_socket_ino = 0;
  std::list<std::unique_ptr<Slot>> m_slots; // touched by the serve() thread only
};

} // namespace ryax::wrapper
