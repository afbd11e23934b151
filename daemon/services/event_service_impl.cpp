#include "daemon/services/event_service_impl.hpp"

#include "daemon/guarded.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace ryax::daemon {

namespace {

constexpr std::size_t k_page = 500;

void
to_proto(const app::DaemonEvent& event, v1::Event& out)
{
  out.set_sequence(event.sequence);
  out.set_time_unix_ms(event.time_ms);
  out.set_kind(event.kind);
  out.set_project(event.project);
  out.set_subject(event.subject);
  out.set_message(event.message);
  for (const auto& [name, value] : event.fields) {
    (*out.mutable_fields())[name] = value;
  }
}

} // namespace

grpc::Status
EventServiceImpl::WatchEvents(grpc::ServerContext* context,
                              const v1::WatchEventsRequest* request,
                              grpc::ServerWriter<v1::Event>* writer)
{
  return guarded(
    m_gate, context, "WatchEvents", [&](const Caller& caller) -> Result<void> {
      const auto& known = app::event_kinds();
      std::set<std::string, std::less<>> kinds;
      for (const auto& kind : request->kinds()) {
        if (std::find(known.begin(), known.end(), kind) == known.end()) {
          return fail(ErrorCode::invalid_argument,
                      fmt::format("unknown event kind \"{}\": one of {}", kind,
                                  fmt::join(known, ", ")));
        }
        kinds.insert(kind);
      }
      const auto wanted = [&](const app::DaemonEvent& event) {
        return (event.project.empty() || event.project == caller.project)
               && (kinds.empty() || kinds.contains(event.kind))
               && event.time_ms >= request->since_unix_ms();
      };
      // What is kept now, filtered, then the newest `last` of it.
      std::uint64_t after = request->after();
      std::vector<app::DaemonEvent> backlog;
      for (;;) {
        auto page = m_bus.after(after, k_page);
        if (page.empty()) {
          break;
        }
        after = page.back().sequence;
        for (auto& event : page) {
          if (wanted(event)) {
            backlog.push_back(std::move(event));
          }
        }
      }
      const auto skip = request->last() > 0 && backlog.size() > request->last()
                          ? backlog.size() - request->last()
                          : 0;
      for (auto it = backlog.begin() + static_cast<std::ptrdiff_t>(skip);
           it != backlog.end();
           ++it) {
        v1::Event out;
        to_proto(*it, out);
        if (!writer->Write(out)) {
          return {}; // the client left
        }
      }
      if (!request->follow()) {
        return {};
      }
      constexpr auto k_poll = std::chrono::milliseconds(200);
      while (!context->IsCancelled() && !m_shutdown.requested()) {
        if (!m_bus.wait(after, std::chrono::steady_clock::now() + k_poll)) {
          continue;
        }
        for (auto& event : m_bus.after(after, k_page)) {
          after = event.sequence;
          if (!wanted(event)) {
            continue;
          }
          v1::Event out;
          to_proto(event, out);
          if (!writer->Write(out)) {
            return {};
          }
        }
      }
      return {};
    });
}

} // namespace ryax::daemon
