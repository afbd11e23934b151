#include "daemon/server.hpp"

#include "daemon/run_files.hpp"
#include "daemon/adapter_settings.hpp"

#include "core/application/action_service.hpp"
#include "core/application/build_service.hpp"
#include "core/application/http_api.hpp"
#include "core/application/log.hpp"
#include "core/application/repository_service.hpp"
#include "core/application/run_service.hpp"
#include "core/application/source_trigger_service.hpp"
#include "core/application/trigger_logs.hpp"
#include "core/application/trigger_service.hpp"
#include "core/application/workflow_service.hpp"
#include "core/infrastructure/build/local_action_builder.hpp"
#include "core/infrastructure/config/paths.hpp"
#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"
#include "core/infrastructure/crypto/tls_material.hpp"
#include "core/infrastructure/filestore/file_build_stores.hpp"
#include "core/infrastructure/filestore/file_run_file_store.hpp"
#include "core/infrastructure/filestore/file_run_log_store.hpp"
#include "core/infrastructure/filestore/file_run_staging.hpp"
#include "core/infrastructure/filestore/file_trigger_log_store.hpp"
#include "core/infrastructure/filestore/file_workflow_file_store.hpp"
#include "core/infrastructure/git/libgit2_git_repository.hpp"
#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/secret_sealing.hpp"
#include "core/infrastructure/sqlite/sqlite_action_catalogue.hpp"
#include "core/infrastructure/sqlite/sqlite_build_store.hpp"
#include "core/infrastructure/sqlite/sqlite_repository_store.hpp"
#include "core/infrastructure/sqlite/sqlite_run_store.hpp"
#include "core/infrastructure/sqlite/sqlite_workflow_store.hpp"
#include "core/infrastructure/time/date_tz_zones.hpp"
#include "core/infrastructure/time_ordered_id_generator.hpp"
#include "core/infrastructure/system_clock.hpp"
#include "core/infrastructure/yaml/yaml_action_metadata_parser.hpp"
#include "core/infrastructure/wrapper/wrapper_pool.hpp"
#include "core/infrastructure/yaml/yaml_workflow_format.hpp"
#include "daemon/services/build_service_impl.hpp"
#include "daemon/services/catalogue_services.hpp"
#include "daemon/services/daemon_service.hpp"
#include "daemon/services/run_service_impl.hpp"
#include "daemon/services/site_service_impl.hpp"
#include "daemon/services/workflow_service_impl.hpp"
#include "daemon/services/identity_service_impl.hpp"
#include "daemon/services/variable_service_impl.hpp"
#include "daemon/services/api_key_service_impl.hpp"
#include "daemon/agent/agent_hub.hpp"
#include "daemon/agent/fleet.hpp"
#include "daemon/slurm/slurm_sites.hpp"
#include "daemon/http/http_server.hpp"
#include "daemon/metrics/daemon_metrics.hpp"
#include "daemon/services/event_service_impl.hpp"
#include "core/application/event_bus.hpp"
#include "daemon/identity_socket.hpp"
#include "core/infrastructure/crypto/openssl_identity_crypto.hpp"
#include "core/infrastructure/rpc/local_identity.hpp"
#include "core/infrastructure/sqlite/sqlite_agent_store.hpp"
#include "core/infrastructure/sqlite/sqlite_identity_store.hpp"
#include "core/infrastructure/sqlite/sqlite_variable_store.hpp"
#include "core/infrastructure/sqlite/sqlite_api_key_store.hpp"
#include "core/infrastructure/sqlite/sqlite_accounting_store.hpp"
#include "core/application/accounting_service.hpp"
#include "daemon/services/accounting_service_impl.hpp"
#include "core/application/identity_service.hpp"
#include "core/application/variable_service.hpp"
#include "core/application/api_key_service.hpp"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace ryax::daemon {

// The concrete adapters: the only place that names them.
struct Adapters
{
  Adapters(infra::sqlite::Database& db,
           app::SecretBox& box,
           const std::string& data_dir,
           const infra::config::DaemonConfig& config,
           std::unique_ptr<app::RunFileStore> files)
    : box(box),
      repositories(db, box),
      catalogue(db),
      builds(db),
      build_logs(data_dir + "/builds"),
      bundles(data_dir + "/bundles"),
      parser(yaml_limits(config)),
      workflows(db),
      workflow_files(data_dir + "/workflow-files"),
      workflow_format(yaml_limits(config)),
      runs(db, box),
      run_logs(data_dir + "/run-logs"),
      run_files(std::move(files)),
      run_staging(data_dir + "/run-work", *run_files, workflow_files),
      trigger_logs(data_dir + "/trigger-logs"),
      identities(db),
      variables(db, box),
      api_keys(db),
      agents(db),
      accounting(db),
      runtimes(bundles, wrapper_pool_settings(config)),
      sites(runtimes, config.site.value.name,
            std::chrono::seconds(config.worker_timeout_seconds.value))
  {
  }

  app::SecretBox& box; // the daemon's, opened before the adapters
  infra::sqlite::SqliteRepositoryStore repositories;
  infra::sqlite::SqliteActionCatalogue catalogue;
  infra::sqlite::SqliteBuildStore builds;
  infra::filestore::FileBuildLogStore build_logs;
  infra::filestore::FileBundleStore bundles;
  infra::build::LocalActionBuilder builder;
  infra::git::Libgit2GitRepository git;
  infra::yaml::YamlActionMetadataParser parser;
  infra::SystemClock clock;
  infra::time::DateTzZones zones;
  infra::sqlite::SqliteWorkflowStore workflows;
  infra::filestore::FileWorkflowFileStore workflow_files;
  infra::yaml::YamlWorkflowFormat workflow_format;
  infra::sqlite::SqliteRunStore runs;
  infra::filestore::FileRunLogStore run_logs;
  std::unique_ptr<app::RunFileStore> run_files; // open_run_files()
  infra::filestore::FileRunStaging run_staging;
  infra::filestore::FileTriggerLogStore trigger_logs;
  infra::TimeOrderedIdGenerator ids;
  infra::sqlite::SqliteIdentityStore identities;
  infra::crypto::OpensslIdentityCrypto identity_crypto;
  infra::sqlite::SqliteVariableStore variables;
  infra::sqlite::SqliteApiKeyStore api_keys;
  infra::sqlite::SqliteAgentStore agents;
  infra::sqlite::SqliteAccountingStore accounting;
  infra::wrapper::WrapperPool runtimes;
  // The runtimes of every site: `runtimes` for the local one, worker
  // agents' links for the others.
  agent::AgentHub sites;
};

namespace {

// This machine's host name, "" when unknown: the node of the accounting
// records of the daemon's own site.
std::string
host_name()
{
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) {
    return {};
  }
  return name;
}

} // namespace

// The application services, wired to the adapters.
struct Services
{
  Services(Adapters& a, const infra::config::DaemonConfig& config)
    : repositories(a.repositories, a.catalogue, a.git, a.parser, a.clock,
                   config.data_dir.value + "/git"),
      actions(a.catalogue),
      builds(app::BuildPorts{a.catalogue, a.repositories, a.git, a.builder,
                             a.builds, a.build_logs, a.bundles, a.clock},
             config.data_dir.value + "/git", config.build_concurrency.value),
      workflows(a.workflows, a.workflow_files, a.catalogue, a.workflow_format,
                a.clock, a.runtimes, a.box, config.site.value,
                infra::config::machine_pool().arch),
      accounting_recorder(a.accounting),
      runs(app::RunPorts{a.runs, a.run_logs, *a.run_files, a.run_staging,
                         a.runtimes, a.sites, a.workflows, a.workflow_format,
                         a.catalogue, a.ids, a.clock, a.variables, a.box},
           run_settings(config)),
      trigger_logs(a.trigger_logs, a.workflows, a.clock),
      triggers(a.workflows, a.workflow_format, runs, a.clock, a.zones),
      sources(app::SourceTriggerPorts{a.workflows, a.workflow_format,
                                      a.catalogue, a.runtimes, a.box,
                                      a.variables, a.clock},
              runs, trigger_logs),
      // api_keys is constructed below, before any request comes.
      http(a.workflows, a.workflow_format, runs,
           [this](const std::string& project, std::string_view key) {
             return api_keys.authorize(project, key);
           }),
      identity(a.identities, a.identity_crypto, a.clock),
      variables(a.variables, a.clock),
      api_keys(a.api_keys, a.identity_crypto, a.clock),
      accounting(a.accounting, &accounting_recorder)
  {
    runs.set_accounting(accounting_recorder);
    // Deployments are checked against every site the runner knows.
    workflows.set_fleet([this] { return runs.fleet(); });
    triggers.set_log(&trigger_logs);
    workflows.add_listener(triggers);
    workflows.add_listener(sources);
    workflows.add_listener(http);
  }

  static app::RunSettings
  run_settings(const infra::config::DaemonConfig& config)
  {
    app::RunSettings settings;
    settings.concurrency = config.run_concurrency.value;
    settings.max_unfinished_runs = config.max_unfinished_runs.value;
    settings.max_run_executions = config.max_run_executions.value;
    settings.retention.max_age_ms = static_cast<std::int64_t>(
      config.retention_days.value * 24 * 3600 * 1000);
    settings.retention.max_runs_per_workflow =
      config.retention_runs_per_workflow.value;
    settings.housekeeping_interval =
      std::chrono::seconds(config.housekeeping_interval_seconds.value);
    settings.site = config.site.value;
    settings.arch = infra::config::machine_pool().arch;
    settings.node_name = host_name();
    return settings;
  }

  app::RepositoryService repositories;
  app::ActionService actions;
  app::BuildService builds;
  app::WorkflowService workflows;
  // Records every execution, started and stopped with the runner's
  // workers: it outlives `runs`.
  app::AccountingRecorder accounting_recorder;
  app::RunService runs;
  app::TriggerLogs trigger_logs;
  app::TriggerService triggers; // starts runs through `runs`
  app::SourceTriggerService sources; // starts runs through `runs`
  app::HttpApi http;                 // the HTTP triggers, through `runs`
  app::IdentityService identity;
  app::VariableService variables;
  // Checks the key of each request to a project's HTTP API (authorize).
  app::ApiKeyService api_keys;
  // Sums the accounting records (ryax accounting).
  app::AccountingService accounting;
};

namespace {

constexpr int k_max_message_bytes = 512 * 1024 * 1024;

// Does a process accept connections on the UNIX socket at `path`?
bool
socket_is_live(const std::string& path)
{
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    ::close(fd);
    return false;
  }
  std::copy(path.begin(), path.end(), address.sun_path);
  const bool live =
    ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return live;
}

Result<void>
prepare_socket_path(const std::string& path)
{
  constexpr std::size_t k_max_socket_path = sizeof(sockaddr_un{}.sun_path) - 1;
  if (path.size() > k_max_socket_path) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("socket path \"{}\" is {} characters long; UNIX "
                            "sockets allow at most {}: choose a shorter "
                            "--socket or RYAX_SOCKET",
                            path, path.size(), k_max_socket_path));
  }
  if (socket_is_live(path)) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("socket \"{}\" is in use by another ryaxd", path));
  }
  std::error_code ec;
  const auto parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent)) {
    fs::create_directories(parent, ec);
    if (ec) {
      return fail(ErrorCode::unavailable,
                  fmt::format("cannot create socket directory \"{}\": {}",
                              parent.string(), ec.message()));
    }
    ::chmod(parent.c_str(), 0700);
  }
  if (fs::exists(fs::symlink_status(path))) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
      return fail(ErrorCode::failed_precondition,
                  fmt::format("\"{}\" exists and is not a socket: remove it or "
                              "choose another --socket",
                              path));
    }
    fs::remove(path, ec); // A stale socket from a dead daemon.
  }
  return {};
}

// The box that seals secrets at rest, with the key of the configuration;
// the key file is made at first start only (not once secrets were sealed
// with one), and the secrets stored in plain text by an older ryaxd are
// sealed.
Result<std::unique_ptr<app::SecretBox>>
open_secret_box(infra::sqlite::Database& database,
                const infra::config::DaemonConfig& config)
{
  const auto& source = config.encryption_key.value;
  RYAX_TRY_ASSIGN(const bool sealed_before,
                  infra::sqlite::has_sealed_secrets(database));
  const bool creating = !source.text && !fs::exists(source.file);
  RYAX_TRY_ASSIGN(const auto key,
                  infra::crypto::load_encryption_key(source, !sealed_before));
  auto box = std::make_unique<infra::crypto::AesGcmSecretBox>(key);
  const auto origin = source.text ? std::string("RYAX_ENCRYPTION_KEY")
                                  : "key file \"" + source.file + "\"";
  if (creating) {
    app::log::info("encryption key: created {}: back it up with ryax.db, "
                   "whose secrets cannot be read without it",
                   origin);
  }
  RYAX_TRY(infra::sqlite::seal_stored_secrets(database, *box, origin));
  return std::unique_ptr<app::SecretBox>(std::move(box));
}

} // namespace

Server::Server(infra::config::DaemonConfig config, ServerOptions options)
  : m_config(std::move(config)), m_options(options)
{
}

Server::~Server()
{
  app::events::set_bus(nullptr);
}

Result<void>
Server::start()
{
  m_started = std::chrono::steady_clock::now();
  const auto& data_dir = m_config.data_dir.value;
  RYAX_TRY_ASSIGN(m_database,
                  infra::sqlite::Database::open(data_dir + "/ryax.db"));
  RYAX_TRY_ASSIGN(m_secret_box, open_secret_box(*m_database, m_config));

  const auto& socket = m_config.socket.value;
  RYAX_TRY(prepare_socket_path(socket));
  m_addresses.push_back("unix:" + socket);
  // TCP is TLS only: with the configured certificate, else one made by
  // ryaxd in the data dir on first start.
  std::shared_ptr<grpc::ServerCredentials> tcp_credentials;
  auto& fingerprint = m_tls_fingerprint;
  if (const auto& listen = m_config.listen.value; !listen.empty()) {
    m_addresses.push_back(listen);
    RYAX_TRY_ASSIGN(const auto host_port,
                    infra::config::split_host_port(listen));
    RYAX_TRY_ASSIGN(
      const auto material,
      m_config.tls_cert.value.empty()
        ? infra::crypto::self_signed_material(data_dir + "/tls",
                                              { host_port.first })
        : infra::crypto::material_from_files(m_config.tls_cert.value,
                                             m_config.tls_key.value));
    RYAX_TRY_ASSIGN(fingerprint, infra::crypto::fingerprint(material.ca_pem));
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back(
      { material.key_pem, material.chain_pem });
    tcp_credentials = grpc::SslServerCredentials(options);
    app::log::info("TLS on {}: CA SHA-256 fingerprint {}", listen,
                   fingerprint);
  }

  RYAX_TRY_ASSIGN(auto run_files, open_run_files(data_dir, m_config));
  m_adapters = std::make_unique<Adapters>(
    *m_database, *m_secret_box, data_dir, m_config, std::move(run_files));
  m_app = std::make_unique<Services>(*m_adapters, m_config);
  // Events and metrics are recorded from here on (nothing runs yet).
  m_events = std::make_unique<app::EventBus>(m_adapters->clock);
  app::events::set_bus(m_events.get());
  if (m_config.metrics.value) {
    m_metrics = std::make_unique<DaemonMetrics>(MetricsSources{
      m_app->runs, m_adapters->workflows, m_adapters->identities,
      m_adapters->runtimes, m_config.site.value.name });
  }
  RYAX_TRY(bind_http());

  DaemonInfo info;
  info.version = RYAX_VERSION;
  info.data_dir = data_dir;
  info.schema_version = m_database->schema_version();
  info.addresses = m_addresses;
  info.started = m_started;
  info.test_rpcs = m_options.enable_test_rpcs;
  info.tls_ca_fingerprint = fingerprint;
  info.http_url = m_http ? m_http->url() : "";
  // The account that owns the data dir is the first admin.
  struct stat owner{};
  RYAX_TRY(::stat(data_dir.c_str(), &owner) == 0
             ? Result<void>()
             : fail(ErrorCode::internal,
                    fmt::format("cannot stat \"{}\"", data_dir)));
  RYAX_TRY(m_app->identity.bootstrap(owner.st_uid));
  m_gate = std::make_unique<Gate>(m_app->identity);
  auto& gate = *m_gate;
  m_services.push_back(std::make_unique<DaemonServiceImpl>(gate, info, m_shutdown));
  m_services.push_back(std::make_unique<RepositoryServiceImpl>(gate, m_app->repositories));
  m_services.push_back(std::make_unique<ActionServiceImpl>(gate, m_app->actions));
  m_services.push_back(std::make_unique<BuildServiceImpl>(gate, m_app->builds, m_shutdown));
  m_services.push_back(std::make_unique<WorkflowServiceImpl>(
    gate, m_app->workflows, m_app->trigger_logs, m_shutdown));
  m_services.push_back(std::make_unique<IdentityServiceImpl>(gate, m_app->identity));
  m_services.push_back(
    std::make_unique<RunServiceImpl>(gate, m_app->runs, m_shutdown));
  m_services.push_back(
    std::make_unique<EventServiceImpl>(gate, *m_events, m_shutdown));
  m_slurm = std::make_unique<SlurmSites>(m_config.sites.value,
                                         m_adapters->bundles, data_dir);
  m_fleet = std::make_unique<agent::Fleet>(
    agent::Fleet::Ports{ m_adapters->agents, m_adapters->identity_crypto,
                         m_adapters->clock, m_adapters->bundles,
                         m_adapters->sites, gate },
    m_config.site.value.name, m_config.listen.value, fingerprint, data_dir);
  auto& runs = m_app->runs;
  m_adapters->sites.set_events(agent::FleetEvents{
    [&runs](const domain::Site& site) { runs.upsert_site(site); },
    [&runs](const std::string& site, bool healthy) {
      runs.set_site_healthy(site, healthy);
      app::events::publish(healthy ? "worker.joined" : "worker.left", "", site,
                           healthy ? fmt::format("worker of site {} connected",
                                                 site)
                                   : fmt::format("worker of site {} is not "
                                                 "connected",
                                                 site));
    },
    [&runs](const std::string& site) {
      runs.remove_site(site);
      app::events::publish("worker.left", "", site,
                           fmt::format("site {} removed", site));
    } });
  m_services.push_back(
    std::make_unique<SiteServiceImpl>(gate, m_app->runs, m_fleet.get(),
                                      m_slurm.get()));
  m_services.push_back(
    std::make_unique<VariableServiceImpl>(gate, m_app->variables));
  m_services.push_back(
    std::make_unique<ApiKeyServiceImpl>(gate, m_app->api_keys));
  m_services.push_back(
    std::make_unique<AccountingServiceImpl>(gate, m_app->accounting));

  // The identity socket first: a client that reaches the main socket can
  // get its token at once.
  m_identity_socket = std::make_unique<IdentitySocket>(
    infra::rpc::identity_socket_path(socket), m_app->identity);
  RYAX_TRY(m_identity_socket->start());

  grpc::ServerBuilder builder;
  // Run inputs and workflow static files travel in one message.
  builder.SetMaxReceiveMessageSize(k_max_message_bytes);
  // Worker agents ping their link every 10 s (keepalive): allowed.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             5000);
  builder.AddListeningPort(m_addresses.front(),
                           grpc::InsecureServerCredentials());
  if (tcp_credentials) {
    builder.AddListeningPort(m_addresses.back(), tcp_credentials);
  }
  for (auto& service : m_services) {
    builder.RegisterService(service.get());
  }
  builder.RegisterService(&m_fleet->service());
  // The socket is created with mode 0666: every call needs a token (the
  // identity socket gives local accounts theirs), and the socket's
  // directory decides which accounts can reach it at all. No other thread
  // creates files yet: the workers start below.
  const mode_t old_umask = ::umask(0111);
  m_server = builder.BuildAndStart();
  ::umask(old_umask);
  if (!m_server) {
    return fail(ErrorCode::unavailable,
                fmt::format("cannot listen on {}: see the log above",
                            fmt::join(m_addresses, " and ")));
  }
  ::chmod(socket.c_str(), 0666);
  // Queued builds and unfinished runs go on.
  RYAX_TRY(m_app->builds.start());
  // The runner knows the Slurm sites before it places recovered steps.
  m_slurm->start(m_adapters->sites, m_app->runs);
  RYAX_TRY(m_app->runs.start());
  RYAX_TRY(m_fleet->start()); // the runner learns the worker sites
  // Deployed workflows with a timer trigger or a user source start runs
  // again.
  RYAX_TRY(m_app->triggers.start());
  RYAX_TRY(m_app->sources.start());
  RYAX_TRY(m_app->http.start());
  if (m_http) {
    m_http->serve();
  }
  app::log::info("ryaxd {} serving {} on {} (schema {})", RYAX_VERSION, data_dir,
                 fmt::join(m_addresses, ", "), m_database->schema_version());
  return {};
}

Result<void>
Server::bind_http()
{
  const auto& listen = m_config.http_listen.value;
  if (listen.empty()) {
    return {};
  }
  RYAX_TRY_ASSIGN(const auto host_port,
                  infra::config::split_host_port(listen, true));
  http::HttpSettings settings;
  settings.host = host_port.first;
  settings.port = host_port.second;
  settings.max_body = m_config.http_max_body_bytes.value;
  if (m_metrics) {
    settings.metrics = [this] { return m_metrics->scrape(); };
  }
  settings.metrics_token = m_config.metrics_token.value;
  if (!infra::config::is_loopback_host(settings.host)) {
    // TLS with the certificate of the gRPC TCP address.
    RYAX_TRY_ASSIGN(
      const auto material,
      m_config.tls_cert.value.empty()
        ? infra::crypto::self_signed_material(m_config.data_dir.value + "/tls",
                                              { settings.host })
        : infra::crypto::material_from_files(m_config.tls_cert.value,
                                             m_config.tls_key.value));
    settings.chain_pem = material.chain_pem;
    settings.key_pem = material.key_pem;
  }
  m_http = std::make_unique<http::HttpServer>(m_app->http, settings);
  return m_http->bind();
}

void
Server::wait_and_stop()
{
  m_shutdown.wait();
  app::log::info("shutting down: waiting up to {} s for in-flight calls",
                 m_config.shutdown_grace_seconds.value);
  const auto deadline =
    std::chrono::system_clock::now()
    + std::chrono::seconds(m_config.shutdown_grace_seconds.value);
  if (m_http) {
    m_app->http.stop(); // waiting calls reply 202 at once
    m_http->stop();
  }
  m_server->Shutdown(deadline);
  m_server->Wait();
  m_identity_socket.reset();
  m_app->builds.stop(); // a running build stays queued for the next start
  m_app->triggers.stop(); // before the runner it starts runs on
  m_app->sources.stop();  // likewise; the pool's replicas stop after
  m_fleet->stop();      // executions waiting on workers end as lost
  m_slurm->stop();      // Slurm jobs go on; followed again at the next start
  m_app->runs.stop();   // running steps run again at the next start
  m_server.reset();
  m_http.reset();
  m_services.clear();
  m_fleet.reset();
  m_slurm.reset();
  m_app.reset();
  m_adapters.reset();
  m_database.reset();
  m_secret_box.reset();
  std::error_code ec;
  fs::remove(m_config.socket.value, ec);
  app::log::info("ryaxd stopped");
}

} // namespace ryax::daemon
