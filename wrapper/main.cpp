// ryax-wrapper: a server around the code of one action, speaking the framed
// protocol of proto/ryax/v1/wrapper.proto on a UNIX socket (--socket) and/or
// a loopback TCP address (--listen) until SIGTERM or SIGINT.
//
// The runtime files (python/ryax_wrapper/, node/runtime.js) are found in
// --runtime-dir, else in `<dir of this binary>/share/ryax` (the build tree),
// else in `<dir of this binary>/../share/ryax` (an installed prefix).

#include "wrapper/executor.hpp"
#include "wrapper/server.hpp"

#include <CLI/CLI.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace {

constexpr int k_exit_error = 1;
constexpr int k_exit_usage = 2;

std::string
find_runtime_dir(const std::string& flag)
{
  const auto has_runtime = [](const fs::path& dir) {
    std::error_code ec;
    return fs::exists(dir / "python" / "ryax_wrapper" / "runtime.py", ec);
  };
  if (!flag.empty()) {
    return has_runtime(flag) ? fs::absolute(flag).string() : std::string();
  }
  std::error_code ec;
  const auto exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (const auto& candidate : {exe_dir / "share" / "ryax", exe_dir.parent_path() / "share" / "ryax"}) {
    if (has_runtime(candidate)) {
      return candidate.string();
    }
  }
  return {};
}

} // namespace

int
main(int argc, char** argv)
{
  CLI::App app{"ryax-wrapper: run one action's code warm, behind a framed protobuf socket"};
  ryax::wrapper::ServerOptions options;
  std::string runtime_dir_flag;
  app.add_option("--socket", options.socket_path, "UNIX socket path to serve on");
  app.add_option("--listen", options.listen, "loopback HOST:PORT to serve on (TCP; port 0: any)");
  app.add_option("--runtime-dir", runtime_dir_flag,
                 "directory holding python/ryax_wrapper and node/runtime.js");
  pid_t parent_flag = 0;
  app.add_option("--parent-pid", parent_flag,
                 "the pid of the process starting it: exit at once if it is gone");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : k_exit_usage;
  }
  if (options.socket_path.empty() && options.listen.empty()) {
    std::cerr << "ryax-wrapper: error: give --socket PATH or --listen HOST:PORT\n";
    return k_exit_usage;
  }
  const auto runtime_dir = find_runtime_dir(runtime_dir_flag);
  if (runtime_dir.empty()) {
    std::cerr << "ryax-wrapper: error: cannot find the runtime files (python/ryax_wrapper); "
                 "give --runtime-dir\n";
    return k_exit_error;
  }

  // Signals are read from a signalfd by the accept loop; threads started
  // later inherit the mask (the runtime's child resets it).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  // Stop with whoever started us: a ryaxd killed with -9 leaves no orphan
  // wrapper behind (the signal comes when the starting thread ends). A
  // parent that died before prctl() sends nothing: then getppid() is no
  // longer the pid ryaxd passed (--parent-pid). getppid() here, without it,
  // would already name the new parent when ryaxd died before main().
  const pid_t parent = parent_flag > 0 ? parent_flag : ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) {
    std::cerr << "ryax-wrapper: the process that started it (pid " << parent
              << ") is gone: exiting\n";
    return k_exit_error;
  }

  ryax::wrapper::Executor executor(runtime_dir);
  {
    ryax::wrapper::Server server(executor, options);
    auto bound = server.listen();
    if (!bound) {
      std::cerr << "ryax-wrapper: error: " << bound.error().message << "\n";
      return k_exit_error;
    }
    for (const auto& where : *bound) {
      std::cerr << "ryax-wrapper: serving on " << where << " (runtime files: " << runtime_dir << ")\n";
    }
    server.serve(signal_fd);
    // Connections end now: their executions are cancelled for good.
    executor.stop();
  }
  ::close(signal_fd);
  std::cerr << "ryax-wrapper: stopped\n";
  return 0;
}
