#include "daemon/agent/agent_worker.hpp"

#include "core/application/log.hpp"
#include "core/domain/agent.hpp"
#include "core/infrastructure/config/paths.hpp"
#include "core/infrastructure/crypto/tls_material.hpp"
#include "core/infrastructure/filestore/bundle_transfer.hpp"
#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/files/write_file.hpp"
#include "core/infrastructure/json/agent_json.hpp"
#include "core/infrastructure/rpc/status.hpp"
#include "daemon/services/site_convert.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace ryax::daemon::agent {

namespace {

constexpr std::uint64_t k_max_state_bytes = 1 << 20;
// Log lines kept while the link is down, at most.
constexpr std::uint64_t k_max_kept_log_bytes = 64ULL << 20;

Error
from_status(const grpc::Status& status)
{
  return infra::rpc::from_grpc_status(status);
}

bool
fatal(ErrorCode code)
{
  return code == ErrorCode::unauthenticated
         || code == ErrorCode::invalid_argument
         || code == ErrorCode::already_exists
         || code == ErrorCode::permission_denied;
}

} // namespace

AgentWorker::AgentWorker(WorkerSettings settings,
                         app::BundleStore& bundles,
                         app::RuntimePool& runtimes)
  : m_settings(std::move(settings)), m_bundles(bundles), m_runtimes(runtimes),
    m_logs(m_settings.state_dir + "/logs", k_max_kept_log_bytes)
{
}

AgentWorker::~AgentWorker()
{
  stop_pool();
}

void
AgentWorker::stop_pool()
{
  {
    std::lock_guard lock(m_threads_mutex);
    m_stop = true;
    m_queue.clear();
  }
  m_threads_done.notify_all();
  for (auto& thread : m_pool) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

Result<void>
AgentWorker::save_state()
{
  const nlohmann::json doc{ { "main", m_state.main },
                            { "site", m_state.site },
                            { "credential", m_state.credential },
                            { "ca_pem", m_state.ca_pem } };
  std::error_code ec;
  fs::create_directories(m_settings.state_dir, ec);
  return infra::files::write_file_atomically(
    m_settings.state_dir + "/state.json", doc.dump(), 0600);
}

Result<void>
AgentWorker::prepare()
{
  const auto path = m_settings.state_dir + "/state.json";
  if (fs::exists(path)) {
    RYAX_TRY_ASSIGN(const auto text,
                    infra::files::read_file(path, k_max_state_bytes));
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: not the state of a worker (JSON object): "
                              "remove it to join again",
                              path));
    }
    m_state = WorkerState{ doc.value("main", ""), doc.value("site", ""),
                           doc.value("credential", ""), doc.value("ca_pem", "") };
  }
  const bool known = !m_state.credential.empty()
                     && m_state.site == m_settings.site.name
                     && m_state.main == m_settings.main;
  if (!known) {
    if (m_settings.join_token.empty()) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("site {} has not joined {} yet: give "
                              "--join-token (made by `ryax site token create` "
                              "on the main daemon)",
                              m_settings.site.name, m_settings.main));
    }
    RYAX_TRY_ASSIGN(const auto token,
                    domain::parse_join_token(m_settings.join_token));
    RYAX_TRY_ASSIGN(const auto host_port,
                    infra::config::split_host_port(m_settings.main));
    RYAX_TRY_ASSIGN(auto ca, infra::crypto::fetch_server_ca(
                               host_port.first, std::to_string(host_port.second)));
    RYAX_TRY_ASSIGN(const auto presented, infra::crypto::fingerprint(ca));
    if (domain::normalize_fingerprint(presented) != token.ca_fingerprint) {
      return fail(ErrorCode::unauthenticated,
                  fmt::format("{} presents a TLS CA ({}) that is not the one "
                              "of the join token: refusing to join it",
                              m_settings.main, presented));
    }
    m_state = WorkerState{ m_settings.main, m_settings.site.name, "", ca };
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // A link that stops answering is given up after about 30 s, so that a
  // short network cut is survived by the connection itself (nothing to
  // send again) and a dead main daemon is noticed.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  args.SetMaxReceiveMessageSize(256 * 1024 * 1024);
  if (infra::crypto::is_ryaxd_ca(m_state.ca_pem)) {
    args.SetSslTargetNameOverride(infra::crypto::k_server_name);
  }
  m_channel = grpc::CreateCustomChannel(
    m_settings.main, grpc::SslCredentials({ m_state.ca_pem, "", "" }), args);
  return {};
}

void
AgentWorker::send(const v1::WorkerMessage& message)
{
  std::lock_guard lock(m_link_mutex);
  if (m_stream != nullptr) {
    m_stream->Write(message);
  }
}

void
AgentWorker::send_log(const v1::WorkerMessage& message)
{
  // Kept when the link is down, under the lock that publishes a new link,
  // so that a line is either sent or flushed by the next session.
  std::lock_guard lock(m_link_mutex);
  if (m_stream == nullptr || !m_stream->Write(message)) {
    m_logs.add(message.log());
  }
}

std::vector<std::string>
AgentWorker::buffered_results()
{
  std::vector<std::string> ids;
  std::error_code ec;
  for (fs::directory_iterator it(m_settings.state_dir + "/results", ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".json") {
      ids.push_back(it->path().stem().string());
    }
  }
  return ids;
}

void
AgentWorker::start_execution(app::AgentExecutor& executor,
                             const v1::AgentExecute& execute)
{
  std::lock_guard lock(m_threads_mutex);
  m_queue.push_back(execute);
  // Executions run on long-lived threads: a replica is the child of the
  // thread that started it, and dies with it (PR_SET_PDEATHSIG).
  if (m_idle == 0 && m_pool.size() < m_settings.concurrency) {
    m_pool.emplace_back([this, &executor] {
      std::unique_lock lock(m_threads_mutex);
      for (;;) {
        ++m_idle;
        m_threads_done.wait(lock, [this] { return m_stop || !m_queue.empty(); });
        --m_idle;
        if (m_queue.empty()) {
          return;
        }
        auto next = std::move(m_queue.front());
        m_queue.pop_front();
        lock.unlock();
        run_execution(executor, next);
        lock.lock();
      }
    });
  }
  m_threads_done.notify_one();
}

void
AgentWorker::run_execution(app::AgentExecutor& executor,
                           const v1::AgentExecute& execute)
{
  const auto& id = execute.execution_id();
  domain::StepOutcome outcome;
  auto spec = infra::json::runtime_spec_from_json(
    nlohmann::json::parse(execute.spec_json(), nullptr, false));
  auto inputs = infra::json::values_from_wire(
    nlohmann::json::parse(execute.inputs_json(), nullptr, false));
  if (!spec || !inputs) {
    outcome = domain::StepError{
      "runtime_unavailable",
      "the worker cannot read the execution: "
        + (!spec ? spec.error().message : inputs.error().message),
      0, {} };
  } else {
    outcome = executor.execute(id, *spec, *inputs, [&](const app::LogLine& line) {
      v1::WorkerMessage message;
      auto* log = message.mutable_log();
      log->set_execution_id(id);
      log->set_stderr(line.stream == app::LogStream::err);
      log->set_line(line.line);
      log->set_timestamp_unix_ns(line.timestamp_unix_ns);
      send(message);
    });
  }
  v1::WorkerMessage message;
  message.mutable_result()->set_execution_id(id);
  message.mutable_result()->set_outcome_json(
    infra::json::outcome_to_json(outcome).dump());
  // Kept until the main daemon acknowledges it.
  std::error_code ec;
  fs::create_directories(m_settings.state_dir + "/results", ec);
  if (auto kept = infra::files::write_file_atomically(
        m_settings.state_dir + "/results/" + id + ".json",
        message.result().SerializeAsString(), 0600);
      !kept) {
    app::log::error("execution {}: cannot keep its result: {}", id,
                    kept.error().message);
  }
  send(message);
}

Result<void>
AgentWorker::session(ShutdownSignal& shutdown,
                     app::AgentExecutor& executor,
                     bool& welcomed)
{
  auto stub = v1::AgentService::NewStub(m_channel);
  grpc::ClientContext context;
  auto stream = stub->Connect(&context);
  v1::WorkerMessage hello_message;
  auto* hello = hello_message.mutable_hello();
  hello->set_site(m_settings.site.name);
  hello->set_site_type(m_settings.site.type);
  for (const auto& pool : m_settings.site.pools) {
    pool_to_proto(pool, *hello->add_pools());
  }
  if (m_state.credential.empty()) {
    hello->set_join_token(m_settings.join_token);
  } else {
    hello->set_credential(m_state.credential);
  }
  auto executions = executor.running();
  const auto buffered = buffered_results();
  executions.insert(executions.end(), buffered.begin(), buffered.end());
  for (const auto& id : executions) {
    hello->add_executions(id);
  }
  hello->set_version(RYAX_VERSION);
  v1::MainMessage message;
  if (!stream->Write(hello_message) || !stream->Read(&message)
      || !message.has_welcome()) {
    stream->WritesDone();
    return std::unexpected(from_status(stream->Finish()));
  }
  welcomed = true;
  if (!message.welcome().credential().empty()) {
    m_state.credential = message.welcome().credential();
    RYAX_TRY(save_state());
    app::log::info("joined {} as site {}", m_settings.main, m_settings.site.name);
  } else {
    app::log::info("connected to {} as site {}", m_settings.main,
                   m_settings.site.name);
  }
  {
    // What was kept while the link was down goes first: the log lines, then
    // the results the main daemon has not acknowledged yet.
    std::lock_guard lock(m_link_mutex);
    const auto lines = m_logs.flush([&](const v1::AgentLog& line) {
      v1::WorkerMessage kept;
      *kept.mutable_log() = line;
      return stream->Write(kept);
    });
    if (lines > 0) {
      app::log::info("sent {} log line(s) kept while the link was down", lines);
    }
    for (const auto& id : buffered) {
      auto text = infra::files::read_file(
        m_settings.state_dir + "/results/" + id + ".json", 256 << 20);
      v1::WorkerMessage result;
      if (text && result.mutable_result()->ParseFromString(*text)) {
        stream->Write(result);
      }
    }
    m_stream = stream.get();
  }
  std::mutex done_mutex;
  bool done = false;
  std::thread beats([&] {
    const auto interval =
      std::chrono::milliseconds(std::max<std::int64_t>(100, message.welcome().heartbeat_ms()));
    for (;;) {
      if (shutdown.wait_for(interval)) {
        context.TryCancel();
        return;
      }
      {
        std::lock_guard lock(done_mutex);
        if (done) {
          return;
        }
      }
      v1::WorkerMessage beat;
      beat.mutable_heartbeat()->set_unix_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
      beat.mutable_heartbeat()->set_replicas(
        static_cast<int>(m_runtimes.replicas().size()));
      send(beat);
    }
  });
  while (stream->Read(&message)) {
    if (message.has_execute()) {
      start_execution(executor, message.execute());
    } else if (message.has_cancel()) {
      (void)executor.cancel(message.cancel().execution_id());
    } else if (message.has_ack()) {
      std::error_code ec;
      fs::remove(m_settings.state_dir + "/results/"
                   + message.ack().execution_id() + ".json",
                 ec);
    } else if (message.has_drain()) {
      m_runtimes.drain(message.drain().project(), message.drain().workflow_id());
    }
  }
  {
    std::lock_guard lock(m_link_mutex);
    m_stream = nullptr;
  }
  {
    std::lock_guard lock(done_mutex);
    done = true;
  }
  beats.join();
  const auto status = stream->Finish();
  if (shutdown.requested() || status.ok()) {
    return {};
  }
  return std::unexpected(from_status(status));
}

Result<void>
AgentWorker::run(ShutdownSignal& shutdown, app::AgentExecutor& executor)
{
  // Short waits: the main daemon gives a silent worker up after
  // worker_timeout_seconds (30 s by default).
  auto backoff = std::chrono::milliseconds(500);
  while (!shutdown.requested()) {
    bool welcomed = false;
    auto ended = session(shutdown, executor, welcomed);
    if (shutdown.requested()) {
      break;
    }
    if (!ended && fatal(ended.error().code)) {
      for (const auto& id : executor.running()) {
        (void)executor.cancel(id);
      }
      stop_pool();
      return ended;
    }
    if (welcomed) {
      backoff = std::chrono::milliseconds(500);
    }
    app::log::warn("link to {} lost ({}); connecting again in {} ms",
                   m_settings.main,
                   ended ? std::string("closed") : ended.error().message,
                   backoff.count());
    if (shutdown.wait_for(backoff)) {
      break;
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
  for (const auto& id : executor.running()) {
    (void)executor.cancel(id);
  }
  stop_pool(); // before the executor goes
  return {};
}

Result<void>
AgentWorker::ensure(const std::string& key)
{
  std::lock_guard lock(m_bundle_mutex);
  if (m_bundles.contains(key)) {
    return {};
  }
  std::error_code ec;
  const auto parts = m_settings.state_dir + "/bundle-parts";
  fs::create_directories(parts, ec);
  const auto part = parts + "/" + key + ".tar";
  auto stub = v1::AgentService::NewStub(m_channel);
  std::string expected;
  std::int64_t total = -1;
  std::vector<infra::filestore::OutsideLink> links;
  Error last{ ErrorCode::unavailable, "not tried" };
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto offset = fs::exists(part) ? static_cast<std::int64_t>(fs::file_size(part)) : 0;
    v1::FetchBundleRequest request;
    request.set_site(m_settings.site.name);
    request.set_credential(m_state.credential);
    request.set_key(key);
    request.set_offset(offset);
    grpc::ClientContext context;
    auto reader = stub->FetchBundle(&context, request);
    std::ofstream out(part, std::ios::binary | std::ios::app);
    v1::BundleChunk chunk;
    bool first = true;
    while (reader->Read(&chunk)) {
      if (first) {
        expected = chunk.sha256();
        total = chunk.total_bytes();
        links.clear();
        for (const auto& link : chunk.links()) {
          links.push_back({ link.path(), link.target() });
        }
        first = false;
      }
      out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    }
    out.close();
    const auto status = reader->Finish();
    if (status.ok()) {
      break;
    }
    last = from_status(status);
    if (last.code != ErrorCode::unavailable) {
      return std::unexpected(last);
    }
  }
  if (total < 0 || static_cast<std::int64_t>(fs::file_size(part, ec)) != total) {
    return fail(ErrorCode::unavailable,
                fmt::format("bundle {}: the transfer did not complete: {}", key,
                            last.message));
  }
  RYAX_TRY_ASSIGN(const auto digest, infra::filestore::sha256_file(part));
  if (digest != expected) {
    fs::remove(part, ec);
    return fail(ErrorCode::internal,
                fmt::format("bundle {}: SHA-256 {} is not the announced {}", key,
                            digest, expected));
  }
  RYAX_TRY_ASSIGN(const auto staging, m_bundles.stage());
  if (auto unpacked =
        infra::filestore::unpack_bundle(part, links, staging.bundle_dir);
      !unpacked) {
    m_bundles.discard(staging);
    return unpacked;
  }
  RYAX_TRY(m_bundles.commit(staging, key));
  fs::remove(part, ec);
  app::log::info("bundle {} fetched ({} bytes)", key, total);
  return {};
}

} // namespace ryax::daemon::agent
