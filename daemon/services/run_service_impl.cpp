#include "daemon/services/run_service_impl.hpp"

#include "core/infrastructure/json/run_json.hpp"
#include "daemon/guarded.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace fs = std::filesystem;

namespace ryax::daemon {

namespace {

void
to_proto(const domain::StepError& error, v1::StepFailure& out)
{
  out.set_kind(error.kind);
  out.set_message(error.message);
  out.set_code(error.code);
  out.set_traceback(error.traceback);
}

std::string
values_json(const domain::Values& values)
{
  return infra::json::values_to_json(values).dump();
}

void
to_proto(const app::RunView& view, v1::Run& out)
{
  const auto& run = view.stored.run;
  out.set_id(run.id);
  out.set_workflow_id(run.workflow_id);
  out.set_workflow_version(run.workflow_version);
  out.set_state(std::string(domain::to_string(run.state)));
  out.set_created_ms(run.created_ms);
  out.set_started_ms(run.started_ms.value_or(0));
  out.set_finished_ms(run.finished_ms.value_or(0));
  if (run.error) {
    out.set_error_step(run.error->step);
    out.set_error_branch(run.error->branch);
    to_proto(run.error->error, *out.mutable_error());
  }
  out.set_trigger_values_json(values_json(run.trigger_values));
  // Workflow order, then branch order (the map's order within a step).
  std::vector<std::string> order = view.step_order;
  for (const auto& [key, step] : run.steps) {
    if (key.step != view.trigger_step
        && std::find(order.begin(), order.end(), key.step) == order.end()) {
      order.push_back(key.step);
    }
  }
  for (const auto& id : order) {
    for (auto it = run.steps.lower_bound(domain::StepKey{ id, "" });
         it != run.steps.end() && it->first.step == id;
         ++it) {
      const auto& [key, step] = *it;
      auto& s = *out.add_steps();
      s.set_step(key.step);
      s.set_branch(key.branch);
      if (auto a = view.stored.actions.find(key.step);
          a != view.stored.actions.end()) {
        s.set_action(a->second);
      }
      s.set_state(std::string(domain::to_string(step.state)));
      s.set_attempt(step.attempt);
      s.set_inputs_json(values_json(step.inputs));
      auto sets = nlohmann::json::array();
      for (const auto& set : step.output_sets) {
        sets.push_back(infra::json::values_to_json(set));
      }
      s.set_outputs_json(sets.dump());
      s.set_fan_out(step.fan_out);
      s.set_log_lines(step.log_lines);
      if (step.error) {
        to_proto(*step.error, *s.mutable_error());
      }
      s.set_placement(step.placement);
      s.set_created_ms(step.created_ms);
      s.set_scheduled_ms(step.scheduled_ms.value_or(0));
      s.set_started_ms(step.started_ms.value_or(0));
      s.set_finished_ms(step.finished_ms.value_or(0));
    }
  }
  for (const auto& result : view.results) {
    auto& r = *out.add_results();
    r.set_key(result.key);
    r.set_list(result.list);
    if (result.list) {
      auto list = nlohmann::json::array();
      for (const auto& value : result.values) {
        list.push_back(infra::json::value_to_json(value));
      }
      r.set_value_json(list.dump());
    } else {
      r.set_value_json(result.values.empty()
                         ? "null"
                         : infra::json::value_to_json(result.values.front())
                             .dump());
    }
  }
}

// A name a user's upload may have: one path component.
bool
safe_component(const std::string& name)
{
  return !name.empty() && name != "." && name != ".."
         && name.find('/') == std::string::npos
         && name.find('\0') == std::string::npos;
}

// A relative path inside an uploaded directory: no "..", not absolute.
bool
safe_relative(const std::string& path)
{
  if (path.empty() || path.front() == '/') {
    return false;
  }
  for (const auto& part : fs::path(path)) {
    if (part == ".." || part == ".") {
      return false;
    }
  }
  return true;
}

Result<void>
write_file(const fs::path& path, const std::string& content)
{
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) {
    return fail(ErrorCode::internal,
                fmt::format("cannot write \"{}\"", path.string()));
  }
  return {};
}

// Write the uploads of `request` under `dir` and describe them.
Result<std::vector<app::UploadedValue>>
stage_uploads(const v1::StartRunRequest& request, const fs::path& dir)
{
  std::vector<app::UploadedValue> uploads;
  for (int i = 0; i < request.files_size(); ++i) {
    const auto& file = request.files(i);
    if (!safe_component(file.file_name())) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("--file {}: \"{}\" is not a valid file name",
                              file.name(),
                              file.file_name()));
    }
    const auto base = dir / std::to_string(i);
    const auto target = base / file.file_name();
    std::error_code ec;
    if (file.directory()) {
      fs::create_directories(target, ec);
      for (const auto& entry : file.entries()) {
        if (!safe_relative(entry.path())) {
          return fail(ErrorCode::invalid_argument,
                      fmt::format("--file {}: entry \"{}\" escapes its "
                                  "directory",
                                  file.name(),
                                  entry.path()));
        }
        if (entry.directory()) {
          fs::create_directories(target / entry.path(), ec);
        } else {
          RYAX_TRY(write_file(target / entry.path(), entry.content()));
        }
      }
    } else {
      RYAX_TRY(write_file(target, file.content()));
    }
    uploads.push_back(app::UploadedValue{
      file.name(), target.string(), file.file_name(), file.directory() });
  }
  return uploads;
}

std::string
random_name()
{
  static std::mutex mutex;
  static std::mt19937_64 generator{ std::random_device{}() };
  std::lock_guard lock(mutex);
  return fmt::format("{:016x}", generator());
}

} // namespace

RunServiceImpl::RunServiceImpl(app::RunService& service,
                               ShutdownSignal& shutdown,
                               std::string upload_dir)
  : m_service(service), m_shutdown(shutdown), m_upload_dir(std::move(upload_dir))
{
  std::error_code ec;
  fs::remove_all(m_upload_dir, ec);
}

grpc::Status
RunServiceImpl::StartRun(grpc::ServerContext* context,
                         const v1::StartRunRequest* request,
                         v1::Run* reply)
{
  return guarded(context, "StartRun", [&]() -> Result<void> {
    app::StartRunRequest start;
    start.workflow_id = request->workflow_id();
    start.priority = request->priority();
    for (const auto& value : request->inputs()) {
      start.values.emplace_back(value.name(), value.text());
    }
    const auto staging = fs::path(m_upload_dir) / random_name();
    auto uploads = stage_uploads(*request, staging);
    Result<app::RunView> view = uploads ? [&] {
      start.files = std::move(*uploads);
      return m_service.start_run(start);
    }()
                                        : std::unexpected(uploads.error());
    std::error_code ec;
    fs::remove_all(staging, ec);
    RYAX_TRY(view);
    to_proto(*view, *reply);
    return {};
  });
}

grpc::Status
RunServiceImpl::GetRun(grpc::ServerContext* context,
                       const v1::GetRunRequest* request,
                       v1::Run* reply)
{
  return guarded(context, "GetRun", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto view, m_service.get(request->run_id()));
    to_proto(view, *reply);
    return {};
  });
}

grpc::Status
RunServiceImpl::WatchRun(grpc::ServerContext* context,
                         const v1::GetRunRequest* request,
                         grpc::ServerWriter<v1::Run>* writer)
{
  return guarded(context, "WatchRun", [&]() -> Result<void> {
    // At most one document every k_watch_interval, and the final one at
    // once: a long run changes thousands of times.
    constexpr auto k_watch_interval = std::chrono::milliseconds(200);
    RYAX_TRY_ASSIGN(auto view, m_service.get(request->run_id()));
    for (;;) {
      v1::Run run;
      to_proto(view, run);
      if (!writer->Write(run)) {
        return {}; // the client left
      }
      if (domain::is_final(view.stored.run.state)) {
        return {};
      }
      if (context->IsCancelled() || m_shutdown.requested()) {
        return {};
      }
      RYAX_TRY_ASSIGN(view,
                      m_service.wait_final(request->run_id(),
                                           std::chrono::steady_clock::now()
                                             + k_watch_interval));
    }
  });
}

grpc::Status
RunServiceImpl::ListRuns(grpc::ServerContext* context,
                         const v1::ListRunsRequest* request,
                         v1::ListRunsReply* reply)
{
  return guarded(context, "ListRuns", [&]() -> Result<void> {
    app::RunFilter filter;
    filter.workflow_id = request->workflow_id();
    if (!request->state().empty()) {
      filter.state = domain::parse_run_state(request->state());
      if (!filter.state) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("unknown run status \"{}\" (one of pending, "
                                "running, done, error, cancelled)",
                                request->state()));
      }
    }
    if (request->since_ms() > 0) {
      filter.since_ms = request->since_ms();
    }
    if (request->limit() > 0) {
      filter.limit = request->limit();
    }
    RYAX_TRY_ASSIGN(const auto runs, m_service.list(filter));
    for (const auto& summary : runs) {
      auto& r = *reply->add_runs();
      r.set_id(summary.id);
      r.set_workflow_id(summary.workflow_id);
      r.set_workflow_version(summary.workflow_version);
      r.set_state(std::string(domain::to_string(summary.state)));
      r.set_created_ms(summary.created_ms);
      r.set_started_ms(summary.started_ms.value_or(0));
      r.set_finished_ms(summary.finished_ms.value_or(0));
      if (summary.error) {
        r.set_error_step(summary.error->step);
        r.set_error_message(summary.error->error.message);
      }
      r.set_steps_total(summary.steps_total);
      r.set_steps_done(summary.steps_done);
    }
    return {};
  });
}

grpc::Status
RunServiceImpl::CancelRun(grpc::ServerContext* context,
                          const v1::GetRunRequest* request,
                          v1::Run* reply)
{
  return guarded(context, "CancelRun", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto view, m_service.cancel(request->run_id()));
    to_proto(view, *reply);
    return {};
  });
}

grpc::Status
RunServiceImpl::RemoveRun(grpc::ServerContext* context,
                          const v1::GetRunRequest* request,
                          v1::RemoveRunReply* reply)
{
  return guarded(context, "RemoveRun", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto files, m_service.remove(request->run_id()));
    reply->set_run_id(request->run_id());
    reply->set_files_removed(files);
    return {};
  });
}

grpc::Status
RunServiceImpl::StreamRunLogs(grpc::ServerContext* context,
                              const v1::StreamRunLogsRequest* request,
                              grpc::ServerWriter<v1::RunLogChunk>* writer)
{
  return guarded(context, "StreamRunLogs", [&]() -> Result<void> {
    const auto& id = request->run_id();
    RYAX_TRY_ASSIGN(auto view, m_service.get(id));
    if (const auto& step = request->step(); !step.empty()
        && std::find(view.step_order.begin(), view.step_order.end(), step)
             == view.step_order.end()) {
      std::vector<std::string_view> steps(view.step_order.begin(),
                                          view.step_order.end());
      auto message = fmt::format("run \"{}\" has no step \"{}\"", id, step);
      if (auto near = domain::closest_match(step, steps)) {
        message += fmt::format(" (did you mean \"{}\"?)", *near);
      } else if (!steps.empty()) {
        message += fmt::format(": its steps are {}", fmt::join(steps, ", "));
      }
      return fail(ErrorCode::not_found, message);
    }
    std::uint64_t offset = 0;
    for (;;) {
      // Whether the run was final before reading: then this read is the last.
      const bool last = !request->follow()
                        || domain::is_final(view.stored.run.state);
      RYAX_TRY_ASSIGN(auto read, m_service.read_log(id, offset));
      offset = read.second;
      v1::RunLogChunk chunk;
      for (const auto& record : read.first) {
        if (!request->step().empty() && record.step != request->step()) {
          continue;
        }
        auto& line = *chunk.add_lines();
        line.set_timestamp_unix_ns(record.timestamp_unix_ns);
        line.set_step(record.step);
        line.set_branch(record.branch);
        line.set_attempt(record.attempt);
        line.set_stream(record.stream == app::LogStream::err ? "stderr"
                                                             : "stdout");
        line.set_line(record.line);
        if (chunk.lines_size() >= 1000) {
          if (!writer->Write(chunk)) {
            return {};
          }
          chunk.clear_lines();
        }
      }
      if (chunk.lines_size() > 0 && !writer->Write(chunk)) {
        return {};
      }
      if (last) {
        return {};
      }
      if (context->IsCancelled() || m_shutdown.requested()) {
        return {};
      }
      RYAX_TRY_ASSIGN(view,
                      m_service.wait_change(id,
                                            view.generation,
                                            std::chrono::steady_clock::now()
                                              + std::chrono::milliseconds(100)));
    }
  });
}

grpc::Status
RunServiceImpl::ReadRunFile(grpc::ServerContext* context,
                            const v1::ReadRunFileRequest* request,
                            grpc::ServerWriter<v1::RunFileChunk>* writer)
{
  return guarded(context, "ReadRunFile", [&]() -> Result<void> {
    RYAX_TRY_ASSIGN(const auto found,
                    m_service.file_of(request->run_id(), request->key()));
    std::ifstream in(found.first, std::ios::binary);
    if (!in) {
      return fail(ErrorCode::internal,
                  fmt::format("cannot read \"{}\"", found.first));
    }
    const auto name = found.second.key.substr(found.second.key.rfind('/') + 1);
    std::string buffer(256 * 1024, '\0');
    bool first = true;
    for (;;) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const auto got = in.gcount();
      if (got <= 0 && !first) {
        return {};
      }
      v1::RunFileChunk chunk;
      chunk.set_data(buffer.data(), static_cast<std::size_t>(got));
      if (first) {
        chunk.set_name(name);
        chunk.set_directory(found.second.directory);
        first = false;
      }
      if (!writer->Write(chunk) || got <= 0) {
        return {};
      }
    }
  });
}

} // namespace ryax::daemon
