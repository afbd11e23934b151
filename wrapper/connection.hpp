#pragma once

#include "core/infrastructure/wrapper/frame_socket.hpp"
#include "wrapper/executor.hpp"

#include "ryax/v1/wrapper.pb.h"

#include <cstdint>

namespace ryax::wrapper {

// One client connection of ryax-wrapper: reads WrapperRequest frames, calls
// the Executor on the connection's own thread, and writes WrapperEvent
// frames back (the protocol is described in proto/ryax/v1/wrapper.proto).
// While an execution runs, the Executor's pump hands the connection's input
// back here (on_caller): a cancel or health is answered at once, another
// request is refused, and the end of the connection cancels the execution.
// A frame that is too long or does not parse is answered with a failure
// (request id 0) and ends the connection; the wrapper goes on serving.
class Connection
{
public:
  // Serve the connected socket `fd` (owned) for `executor`, which must
  // outlive the connection. Writes to a client that stops reading are given
  // up after `send_timeout`, which ends the connection.
  Connection(Executor& executor, int fd, std::chrono::milliseconds send_timeout);

  // Serve requests until the client closes the connection, breaks the
  // protocol or cannot be written to, then shut the socket down (the client
  // sees EOF). Never throws.
  void serve();

  // The socket's descriptor: shutdown(2) on it makes serve() return.
  int fd() const { return m_socket.fd(); }

private:
  // Answer one request read at the top level (nothing running).
  void dispatch(const v1::WrapperRequest& request);
  void initialize(std::uint64_t id, const v1::InitializeRequest& request);
  void execute(std::uint64_t id, const v1::ExecuteRequest& request);
  void run_source(std::uint64_t id, const v1::RunSourceRequest& request);
  void cancel(std::uint64_t id, const v1::CancelExecutionRequest& request);
  void health(std::uint64_t id);
  // Sink::on_caller of the running execution (request `m_running`).
  bool on_caller(bool readable);
  // Write `event` (after the queued ones); a failure ends the connection.
  void send(const v1::WrapperEvent& event);
  // Queue `event` for the next send() or flush(); same failures.
  void queue(const v1::WrapperEvent& event);
  // Write the queued events; same failures.
  void flush();
  // Write a failure answering `id`.
  void send_failure(std::uint64_t id, const Error& error);

  Executor& m_executor;
  infra::wrapper::FrameSocket m_socket;
  bool m_broken = false;      // stop serving: the stream is unusable
  std::uint64_t m_running = 0; // request id of the running execute/run_source
  v1::WrapperEvent m_event;   // reused for log events
};

} // namespace ryax::wrapper
