// `ryax events`: the daemon's event stream.

#include "cli/commands/commands.hpp"
#include "cli/commands/common.hpp"
#include "cli/commands/run_render.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/output.hpp"
#include "cli/output/time_format.hpp"

#include "core/application/event_bus.hpp"

#include "ryax/v1/event.grpc.pb.h"
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace ryax::cli {

namespace {

struct EventsOptions
{
  bool follow = false;
  std::vector<std::string> kinds;
  std::string since; // a duration: "10m"
  unsigned last = 0; // the newest N (0: all kept)
};

nlohmann::json
event_json(const v1::Event& event)
{
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [name, value] : event.fields()) {
    fields[name] = value;
  }
  return { { "sequence", event.sequence() },
           { "time", output::rfc3339_ms(event.time_unix_ms()) },
           { "kind", event.kind() },
           { "project", event.project() },
           { "subject", event.subject() },
           { "message", event.message() },
           { "fields", std::move(fields) } };
}

// Control characters of names and messages, escaped for a terminal.
std::string
visible(const std::string& text)
{
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string>
event_row(const v1::Event& event)
{
  const auto ms = event.time_unix_ms();
  return { output::format_unix_time(
             ms / 1000, output::TimeZone::local, output::TimeLayout::seconds),
           event.kind(),
           visible(event.subject()),
           visible(event.message()) };
}

int
run_events(Context& ctx, const EventsOptions& o)
{
  v1::WatchEventsRequest request;
  request.set_follow(o.follow);
  request.set_last(o.last);
  for (const auto& kind : o.kinds) { // checked by the parser
    request.add_kinds(kind);
  }
  if (!o.since.empty()) {
    auto seconds = parse_positive_duration("--since", o.since);
    if (!seconds) {
      return fail_early(ctx, seconds.error());
    }
    request.set_since_unix_ms(now_ms() - *seconds * 1000);
  }
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::EventService::NewStub(client.channel());
    // Following has no deadline: it ends when the user stops it.
    grpc::ClientContext context;
    if (!o.follow) {
      context.set_deadline(std::chrono::system_clock::now()
                           + std::chrono::minutes(1));
    }
    auto reader = stub->WatchEvents(&context, request);
    const auto format = ctx.format();
    const bool table =
      format == OutputFormat::table || format == OutputFormat::wide;
    v1::Event event;
    if (!o.follow) {
      // A document (or a table) of what is kept.
      auto doc = nlohmann::json::array();
      output::Table rows{ { "TIME", "KIND", "SUBJECT", "MESSAGE" }, {} };
      while (reader->Read(&event)) {
        doc.push_back(event_json(event));
        rows.rows.push_back(event_row(event));
      }
      RYAX_TRY(client.check(reader->Finish()));
      output::emit(ctx, doc, [&](std::ostream& out) {
        if (rows.rows.empty()) {
          if (!ctx.quiet) {
            out << "no events\n";
          }
          return;
        }
        output::print_table(out, rows, ctx.color());
      });
      return k_exit_ok;
    }
    // A stream: one line (or document) per event as it comes.
    while (reader->Read(&event)) {
      if (table) {
        const auto row = event_row(event);
        std::cout << fmt::format("{}  {:<19} {}  {}\n", row[0], row[1],
                                 row[2], row[3]);
      } else {
        output::print_document(ctx, event_json(event));
      }
      std::cout.flush();
    }
    RYAX_TRY(client.check(reader->Finish()));
    return k_exit_ok;
  });
}

} // namespace

void
register_event_commands(CLI::App& app, Context& ctx)
{
  auto o = std::make_shared<EventsOptions>();
  auto* events = app.add_subcommand(
    "events",
    "Show the daemon's recent events: deploys, runs started and finished, "
    "builds, replicas started and stopped, workers joining and leaving");
  events->add_flag("-f,--follow", o->follow,
                   "Keep watching: print each new event as it happens");
  events
    ->add_option("--kind", o->kinds,
                 "Only events of this kind (repeatable): run.started, "
                 "run.finished, workflow.deployed, workflow.undeployed, "
                 "build.started, build.finished, replica.started, "
                 "replica.stopped, worker.joined, worker.left")
    ->type_name("KIND")
    ->check(CLI::IsMember(app::event_kinds()).description(""));
  events->add_option("--since", o->since,
                     "Only events of the last DURATION (30s, 10m, 2h)")
    ->type_name("DURATION");
  events->add_option("--last", o->last,
                     "Only the newest N events kept (then follow)")
    ->type_name("N")
    ->check(CLI::Range(1u, 100000u));
  events->callback([&ctx, o] { ctx.exit_code = run_events(ctx, *o); });
}

} // namespace ryax::cli
