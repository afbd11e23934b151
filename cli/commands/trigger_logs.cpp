#include "cli/commands/trigger_logs.hpp"

#include "cli/commands/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/output/json_fields.hpp"
#include "cli/output/output.hpp"
#include "cli/output/time_format.hpp"

#include "ryax/v1/workflow.grpc.pb.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>

namespace ryax::cli {

namespace {

nlohmann::json
line_json(const v1::TriggerLogLine& line)
{
  const auto ns = line.timestamp_unix_ns();
  const auto date = output::format_unix_time(
    ns / 1'000'000'000, output::TimeZone::utc, output::TimeLayout::iso);
  return { { "sequence", line.sequence() },
           { "timestamp_unix_ns", ns },
           { "time", fmt::format("{}.{:09}Z", date, ns % 1'000'000'000) },
           { "origin", line.origin() },
           { "line", line.line() } };
}

// "2026-11-30 17:45:12.345 stdout text", control characters escaped.
std::string
line_text(const v1::TriggerLogLine& line)
{
  const auto ns = line.timestamp_unix_ns();
  const auto date = output::format_unix_time(
    ns / 1'000'000'000, output::TimeZone::local, output::TimeLayout::iso);
  std::string text;
  for (const char c : line.line()) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
      text += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      text += c;
    }
  }
  return fmt::format("{}.{:03} {} {}",
                     date,
                     ns % 1'000'000'000 / 1'000'000,
                     line.origin(),
                     text);
}

} // namespace

int
trigger_logs(Context& ctx, const std::string& workflow, bool follow)
{
  return with_client(ctx, [&](const Client& client) -> Result<int> {
    auto stub = v1::WorkflowService::NewStub(client.channel());
    // Following has no deadline: it ends with the deployment.
    grpc::ClientContext context;
    if (!follow) {
      context.set_deadline(std::chrono::system_clock::now()
                           + std::chrono::minutes(10));
    }
    v1::StreamTriggerLogsRequest request;
    request.set_id(workflow);
    request.set_follow(follow);
    auto reader = stub->StreamTriggerLogs(&context, request);
    v1::TriggerLogChunk chunk;
    const auto format = ctx.format();
    while (reader->Read(&chunk)) {
      for (const auto& line : chunk.lines()) {
        switch (format) {
          case OutputFormat::json:
          case OutputFormat::jq:
            output::print_document(ctx, line_json(line));
            break;
          case OutputFormat::yaml:
            std::cout << "---\n" << output::to_yaml(line_json(line));
            break;
          case OutputFormat::table:
          case OutputFormat::wide:
          case OutputFormat::name: // refused above
            std::cout << line_text(line) << "\n";
            break;
        }
      }
      std::cout.flush();
    }
    RYAX_TRY(client.check(reader->Finish()));
    return k_exit_ok;
  });
}

} // namespace ryax::cli
