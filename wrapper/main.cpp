// ryax-wrapper: a gRPC server (WrapperService, proto/ryax/v1/wrapper.proto)
// around the code of one action. Serves on a UNIX socket (--socket) and/or a
// loopback TCP address (--listen) until SIGTERM or SIGINT.
//
// The runtime files (python/ryax_wrapper/, node/runtime.js) are found in
// --runtime-dir, else in `<dir of this binary>/share/ryax` (the build tree),
// else in `<dir of this binary>/../share/ryax` (an installed prefix).

#include "wrapper/executor.hpp"
#include "wrapper/wrapper_service.hpp"

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <sys/stat.h>
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
  CLI::App app{"ryax-wrapper: run one action's code warm, behind a gRPC server"};
  std::string socket;
  std::string listen;
  std::string runtime_dir_flag;
  app.add_option("--socket", socket, "UNIX socket path to serve on");
  app.add_option("--listen", listen, "loopback HOST:PORT to serve on (TCP)");
  app.add_option("--runtime-dir", runtime_dir_flag,
                 "directory holding python/ryax_wrapper and node/runtime.js");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : k_exit_usage;
  }
  if (socket.empty() && listen.empty()) {
    std::cerr << "ryax-wrapper: error: give --socket PATH or --listen HOST:PORT\n";
    return k_exit_usage;
  }
  const auto runtime_dir = find_runtime_dir(runtime_dir_flag);
  if (runtime_dir.empty()) {
    std::cerr << "ryax-wrapper: error: cannot find the runtime files (python/ryax_wrapper); "
                 "give --runtime-dir\n";
    return k_exit_error;
  }

  // Signals are taken by sigwait below; threads started later inherit the
  // mask (the runtime's child resets it).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // Stop with whoever started us: a ryaxd killed with -9 leaves no orphan
  // wrapper behind (the signal comes when the starting thread ends).
  const pid_t parent = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) {
    ::kill(::getpid(), SIGTERM);
  }

  ryax::wrapper::Executor executor(runtime_dir);
  ryax::wrapper::WrapperServiceImpl service(executor);
  grpc::ServerBuilder builder;
  if (!socket.empty()) {
    std::error_code ec;
    fs::remove(socket, ec); // a stale socket of a dead wrapper
    builder.AddListeningPort("unix:" + socket, grpc::InsecureServerCredentials());
  }
  if (!listen.empty()) {
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials());
  }
  builder.RegisterService(&service);
  const mode_t old_umask = ::umask(0077);
  auto server = builder.BuildAndStart();
  ::umask(old_umask);
  if (!server) {
    std::cerr << "ryax-wrapper: error: cannot listen on " << (socket.empty() ? listen : socket) << "\n";
    return k_exit_error;
  }
  std::cerr << "ryax-wrapper: serving on " << (socket.empty() ? listen : socket)
            << " (runtime files: " << runtime_dir << ")\n";
  // Our socket file, to remove it at exit only if nobody replaced it.
  struct stat ours{};
  const bool have_socket = !socket.empty() && ::stat(socket.c_str(), &ours) == 0;

  int received = 0;
  sigwait(&signals, &received);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  struct stat now{};
  if (have_socket && ::stat(socket.c_str(), &now) == 0 && now.st_ino == ours.st_ino
      && now.st_dev == ours.st_dev) {
    std::error_code ec;
    fs::remove(socket, ec);
  }
  std::cerr << "ryax-wrapper: stopped\n";
  return 0;
}
