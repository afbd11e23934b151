#include "daemon/services/daemon_service.hpp"

#include "daemon/guarded.hpp"

#include <unistd.h>

namespace ryax::daemon {

DaemonServiceImpl::DaemonServiceImpl(Gate& gate,
                                     DaemonInfo info,
                                     ShutdownSignal& shutdown)
  : m_gate(gate), m_info(std::move(info)), m_shutdown(shutdown)
{
}

grpc::Status
DaemonServiceImpl::Health(grpc::ServerContext* context,
                          const v1::HealthRequest* /*request*/,
                          v1::HealthReply* reply)
{
  return guarded(m_gate, context, "Health", [&](const Caller& caller) -> Result<void> {
    reply->set_version(m_info.version);
    reply->set_tls_ca_fingerprint(m_info.tls_ca_fingerprint);
    reply->set_http_url(m_info.http_url);
    if (caller.principal.user.empty()) {
      return {}; // to strangers, only what a client needs before login
    }
    const std::chrono::duration<double> uptime =
      std::chrono::steady_clock::now() - m_info.started;
    reply->set_uptime_seconds(uptime.count());
    reply->set_data_dir(m_info.data_dir);
    reply->set_schema_version(m_info.schema_version);
    reply->set_pid(getpid());
    for (const auto& address : m_info.addresses) {
      reply->add_addresses(address);
    }
    return {};
  });
}

grpc::Status
DaemonServiceImpl::Shutdown(grpc::ServerContext* context,
                            const v1::ShutdownRequest* /*request*/,
                            v1::ShutdownReply* /*reply*/)
{
  return guarded(m_gate, context, "Shutdown", [&]() -> Result<void> {
    app::log::info("shutdown requested by a client");
    m_shutdown.request();
    return {};
  });
}

grpc::Status
DaemonServiceImpl::RaiseError(grpc::ServerContext* context,
                              const v1::RaiseErrorRequest* request,
                              v1::RaiseErrorReply* /*reply*/)
{
  return guarded(m_gate, context, "RaiseError", [&]() -> Result<void> {
    if (!m_info.test_rpcs) {
      return fail(ErrorCode::permission_denied,
                  "RaiseError is a test hook: start ryaxd with "
                  "--enable-test-rpcs to use it");
    }
    for (const auto code : k_all_error_codes) {
      if (to_string(code) == request->code()) {
        return fail(code, request->message());
      }
    }
    return fail(ErrorCode::invalid_argument,
                "unknown error code \"" + request->code() + "\"");
  });
}

} // namespace ryax::daemon
