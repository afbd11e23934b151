#pragma once

#include "daemon/gate.hpp"
#include "daemon/shutdown_signal.hpp"

#include "core/application/event_bus.hpp"

#include "ryax/v1/event.grpc.pb.h"

namespace ryax::daemon {

// gRPC handler of EventService: the daemon's recent events (app::EventBus)
// of the caller's project, and the new ones as they come.
class EventServiceImpl final : public v1::EventService::Service
{
public:
  EventServiceImpl(Gate& gate, app::EventBus& bus, ShutdownSignal& shutdown)
    : m_gate(gate), m_bus(bus), m_shutdown(shutdown)
  {
  }

  grpc::Status WatchEvents(grpc::ServerContext* context,
                           const v1::WatchEventsRequest* request,
                           grpc::ServerWriter<v1::Event>* writer) override;

private:
  Gate& m_gate;
  app::EventBus& m_bus;
  ShutdownSignal& m_shutdown;
};

} // namespace ryax::daemon
