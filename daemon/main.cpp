// ryaxd: the ryax daemon. Parses flags, resolves the configuration, takes the
// data dir lock, detaches unless --foreground, and runs the Server until
// SIGTERM, SIGINT or a Shutdown call. SIGHUP reopens the log file.

#include "core/application/log.hpp"
#include "core/infrastructure/config/daemon_config.hpp"
#include "core/infrastructure/log/spdlog_sink.hpp"
#include "core/infrastructure/process/lock_file.hpp"
#include "daemon/agent/worker_daemon.hpp"
#include "daemon/server.hpp"

#include "build_info.hpp" // RYAX_GIT_COMMIT (generated)

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

namespace {

constexpr int k_exit_error = 1;
constexpr int k_exit_usage = 2;

// The write end of the pipe to the parent that waits for readiness, or -1.
int g_ready_fd = -1;

void
report_error(const std::string& message)
{
  ryax::app::log::error("{}", message);
  if (g_ready_fd >= 0) {
    const std::string line = "E" + message;
    [[maybe_unused]] auto n = ::write(g_ready_fd, line.data(), line.size());
    ::close(g_ready_fd);
    g_ready_fd = -1;
  } else {
    std::cerr << "ryaxd: error: " << message << "\n";
  }
}

void
report_ready(const std::string& where)
{
  if (g_ready_fd >= 0) {
    const std::string line = "R" + where;
    [[maybe_unused]] auto n = ::write(g_ready_fd, line.data(), line.size());
    ::close(g_ready_fd);
    g_ready_fd = -1;
  }
}

// Detach: the parent waits until the child reports ready (exit 0) or an error
// (printed, exit 1); the child continues in a new session.
void
daemonize(const std::string& log_file)
{
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("ryaxd: error: pipe");
    std::exit(k_exit_error);
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("ryaxd: error: fork");
    std::exit(k_exit_error);
  }
  if (pid > 0) {
    ::close(fds[1]);
    std::string message;
    char buffer[512];
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0) {
      message.append(buffer, static_cast<std::size_t>(n));
    }
    if (message.starts_with('R')) {
      // Where it serves, for `ryax daemon start` and for people.
      std::cout << message.substr(1) << std::endl;
      std::_Exit(0);
    }
    if (message.starts_with('E')) {
      std::cerr << "ryaxd: error: " << message.substr(1) << "\n";
    } else {
      std::cerr << "ryaxd: error: the daemon exited during start; see "
                << log_file << "\n";
    }
    std::_Exit(k_exit_error);
  }
  ::close(fds[0]);
  g_ready_fd = fds[1];
  ::setsid();
  const int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    if (null_fd > STDERR_FILENO) {
      ::close(null_fd);
    }
  }
}

// SIGUSR1: give freed memory back to the system and log what the heap
// holds, for people measuring the daemon (bench/footprint).
void
log_memory()
{
  const auto before = ::mallinfo2();
  ::malloc_trim(0);
  const auto after = ::mallinfo2();
  ryax::app::log::info("memory: heap in use {} kB, free {} kB (malloc_trim gave "
                 "back {} kB), mmapped {} kB",
                 after.uordblks / 1024,
                 after.fordblks / 1024,
                 (before.fordblks - std::min(before.fordblks, after.fordblks)) /
                   1024,
                 after.hblkhd / 1024);
}

} // namespace

int
main(int argc, char** argv)
{
  using namespace ryax;
  CLI::App app{"ryaxd: the ryax daemon (builds, deploys and runs workflows)"};
  app.footer("Configuration precedence: flag, then RYAX_* variable, then the "
             "YAML file, then default.\nEvery key is documented in ryaxd(8).");
  infra::config::DaemonFlags flags;
  bool foreground = false;
  bool print_config = false;
  bool test_rpcs = false;
  app.add_flag("--foreground", foreground,
               "Stay in the foreground (default: detach once serving)");
  app.add_option("--data-dir", flags.data_dir,
                 "Data directory (default: $RYAX_HOME, else "
                 "$XDG_DATA_HOME/ryax, else ~/.local/share/ryax)");
  app.add_option("--config", flags.config_file,
                 "YAML configuration file (default: <data dir>/ryaxd.yaml)");
  app.add_option("--socket", flags.socket, "UNIX socket to serve on");
  app.add_option("--listen", flags.listen,
                 "Also serve on TCP HOST:PORT, with TLS only");
  app.add_option("--http-listen", flags.http_listen,
                 "Serve the HTTP API on HOST:PORT (\"\" for none; default "
                 "127.0.0.1:8080)");
  app.add_option("--join", flags.join,
                 "Run as a worker agent of the main daemon at HOST:PORT (its "
                 "TLS address): no CLI is served")
    ->option_text("HOST:PORT");
  app.add_option("--join-token", flags.join_token,
                 "The token of the first join (ryax site token create on the "
                 "main daemon; default: $RYAX_JOIN_TOKEN)");
  app.add_option("--site", flags.site,
                 "The name of this daemon's site (default: site.name of "
                 "ryaxd.yaml, else local)");
  app.add_option("--log-level", flags.log_level,
                 "trace, debug, info, warn, error or off");
  app.add_option("--log-file", flags.log_file,
                 "Append the log to FILE (default: stderr; <data "
                 "dir>/ryaxd.log when detached)");
  app.add_option("--log-format", flags.log_format,
                 "text, or json for one JSON object a line (default: text)");
  app.add_flag("--print-config", print_config,
               "Print the resolved configuration and where each value came "
               "from, then exit");
  std::string check_file;
  auto* check =
    app
      .add_option("--check-config", check_file,
                  "Read the configuration (FILE, else --config's, variables "
                  "and flags) as a start would, say whether it is valid, and "
                  "exit (1 when not)")
      ->expected(0, 1)
      ->option_text("[FILE]")
      ->excludes("--print-config");
  app.add_flag("--enable-test-rpcs", test_rpcs)->group(""); // test hook
  app.set_version_flag("--version",
                       "ryaxd " RYAX_VERSION " (commit " RYAX_GIT_COMMIT ")");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : k_exit_usage;
  }

  const bool check_config = check->count() > 0;
  if (check_config && !check_file.empty()) {
    if (flags.config_file) {
      std::cerr << "ryaxd: error: --check-config FILE and --config FILE: "
                   "give the file once\n";
      return k_exit_usage;
    }
    flags.config_file = check_file;
  }
  auto config =
    infra::config::load_daemon_config(flags, infra::config::current_environment());
  if (!config) {
    std::cerr << "ryaxd: error: " << config.error().message << "\n";
    return k_exit_error;
  }
  if (print_config) {
    std::cout << infra::config::describe(*config);
    return 0;
  }
  if (check_config) {
    const auto& file = config->config_file.value;
    std::cout << (file.empty() ? std::string("no configuration file: the defaults")
                               : file)
              << ": valid\n";
    return 0;
  }
  // The key is in the configuration now: no process this daemon starts
  // (builds, wrappers, user code) inherits it. No thread runs yet.
  ::unsetenv("RYAX_ENCRYPTION_KEY");

  // Everything the daemon creates is private to its user.
  ::umask(0077);
  const auto& data_dir = config->data_dir.value;
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    std::cerr << "ryaxd: error: cannot create data dir \"" << data_dir
              << "\": " << ec.message() << "\n";
    return k_exit_error;
  }
  ::chmod(data_dir.c_str(), 0700);

  // The directory itself: no lock file a user could delete.
  auto lock = infra::process::LockFile::acquire(data_dir);
  if (!lock) {
    if (lock.error().code == ErrorCode::failed_precondition) {
      std::cerr << "ryaxd: error: another ryaxd is already serving "
                << data_dir << "\n";
    } else {
      std::cerr << "ryaxd: error: " << lock.error().message << "\n";
    }
    return k_exit_error;
  }

  std::string log_file = config->log_file.value;
  if (!foreground && log_file.empty()) {
    log_file = data_dir + "/ryaxd.log";
  }
  if (!foreground) {
    daemonize(log_file);
  }

  auto sink = infra::log::SpdlogSink::create(
    {log_file, config->log_format.value == "json", config->log_max_size.value,
     config->log_keep.value});
  if (!sink) {
    report_error(sink.error().message);
    return k_exit_error;
  }
  app::log::Level level = app::log::Level::info;
  app::log::parse_level(config->log_level.value, level);
  app::log::set_sink(sink->get(), level);

  // Signals are taken by one thread; block them before gRPC starts its own.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<daemon::Server> server;
  std::unique_ptr<daemon::agent::WorkerDaemon> worker;
  daemon::ShutdownSignal* shutdown = nullptr;
  if (!config->join.value.empty()) {
    worker = std::make_unique<daemon::agent::WorkerDaemon>(*config);
    if (auto started = worker->start(); !started) {
      report_error(started.error().message);
      return k_exit_error;
    }
    shutdown = &worker->shutdown_signal();
    report_ready("worker of " + config->join.value + " as site "
                 + config->site.value.name);
  } else {
    server = std::make_unique<daemon::Server>(*config,
                                              daemon::ServerOptions{test_rpcs});
    if (auto started = server->start(); !started) {
      report_error(started.error().message);
      return k_exit_error;
    }
    shutdown = &server->shutdown_signal();
    // "socket: PATH" first: `ryax daemon start` reads it.
    report_ready("socket: " + config->socket.value
                 + (server->tls_fingerprint().empty()
                      ? std::string()
                      : "\ntls CA SHA-256: " + server->tls_fingerprint()));
  }

  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    const timespec tick{0, 200'000'000};
    while (!stopping.load()) {
      const int signal = sigtimedwait(&signals, nullptr, &tick);
      if (signal == SIGTERM || signal == SIGINT) {
        app::log::info("received {}, shutting down",
                       signal == SIGTERM ? "SIGTERM" : "SIGINT");
        shutdown->request();
      } else if (signal == SIGUSR1) {
        log_memory();
      } else if (signal == SIGHUP) {
        // logrotate moved the file: write to a new one at its path.
        if (auto reopened = (*sink)->reopen(); !reopened) {
          app::log::error("SIGHUP: {}", reopened.error().message);
        } else {
          app::log::info("received SIGHUP, log file reopened");
        }
      }
    }
  });
  int code = 0;
  if (worker) {
    if (auto ended = worker->run(); !ended) {
      app::log::error("{}", ended.error().message);
      code = k_exit_error;
    }
  } else {
    server->wait_and_stop();
  }
  stopping.store(true);
  signal_thread.join();
  lock->release();
  app::log::set_sink(nullptr, app::log::Level::off);
  return code;
}
