// What admitting a call costs: Gate::admit (token check, project, the
// permission table) over the real SQLite store and OpenSSL, as ryaxd does
// it before every handler. Prints the median and the 99th percentile per
// call for a local token, a personal token and a refused call.
//
// Usage: ryax_bench_auth [CALLS]   (default 200000 per kind)

#include "core/application/identity_service.hpp"
#include "core/infrastructure/crypto/openssl_identity_crypto.hpp"
#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_identity_store.hpp"
#include "core/infrastructure/system_clock.hpp"
#include "daemon/gate.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void
measure(const char* what, ryax::daemon::Gate& gate, const std::string& token,
        const char* method, int calls, bool expect_ok)
{
  std::vector<double> batches; // ns per call, per batch of 1000
  const int batch = 1000;
  for (int done = 0; done < calls; done += batch) {
    const auto start = Clock::now();
    for (int i = 0; i < batch; ++i) {
      auto caller = gate.admit("Bearer " + token, "", method);
      if (caller.has_value() != expect_ok) {
        std::fprintf(stderr, "%s: unexpected outcome\n", what);
        std::exit(1);
      }
    }
    batches.push_back(
      std::chrono::duration<double, std::nano>(Clock::now() - start).count()
      / batch);
  }
  std::sort(batches.begin(), batches.end());
  std::printf("%-28s median %7.2f us/call   p99 %7.2f us/call  (%d calls)\n",
              what, batches[batches.size() / 2] / 1000.0,
              batches[batches.size() * 99 / 100] / 1000.0, calls);
}

} // namespace

int
main(int argc, char** argv)
{
  const int calls = argc > 1 ? std::max(1000, std::atoi(argv[1])) : 200000;
  const auto dir = std::filesystem::temp_directory_path()
                   / ("ryax-bench-auth-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto database = ryax::infra::sqlite::Database::open(dir / "ryax.db");
    if (!database) {
      std::fprintf(stderr, "%s\n", database.error().message.c_str());
      return 1;
    }
    ryax::infra::sqlite::SqliteIdentityStore store(**database);
    ryax::infra::crypto::OpensslIdentityCrypto crypto;
    ryax::infra::SystemClock clock;
    ryax::app::IdentityService identity(store, crypto, clock);
    if (!identity.bootstrap(::getuid())) {
      return 1;
    }
    // A daemon with some users, projects and tokens.
    for (int i = 0; i < 50; ++i) {
      (void)identity.add_user({ "user" + std::to_string(i),
                                ryax::domain::Role::developer, std::nullopt,
                                "" });
      (void)identity.add_member("default", "user" + std::to_string(i));
    }
    const ryax::domain::Principal dev{ "user7",
                                       ryax::domain::Role::developer,
                                       { "default" },
                                       "" };
    for (int i = 0; i < 100; ++i) {
      (void)identity.create_token(dev, "t" + std::to_string(i),
                                  std::chrono::hours(24));
    }
    const auto local = identity.local_token(::getuid());
    const auto personal =
      identity.create_token(dev, "bench", std::chrono::hours(24));
    if (!local || !personal) {
      return 1;
    }
    ryax::daemon::Gate gate(identity);
    measure("local token, ListRuns", gate, *local, "ListRuns", calls, true);
    measure("personal token, StartRun", gate, personal->token, "StartRun",
            calls, true);
    // Refusals write an audit line: fewer of them.
    measure("refused (unknown token)", gate, "ryax_" + std::string(64, '0'),
            "ListRuns", std::max(1000, calls / 20), false);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
