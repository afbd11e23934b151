// Fill a stopped daemon's database with COUNT finished runs, copies of a
// real run (TEMPLATE, one that ryaxd executed: its workflow, steps, values
// and action versions) under new ids, created one second apart going back
// in time from the template, so that `ryax runs list` and `ryax runs show`
// work on a history of realistic rows. Writes through the same RunStore
// adapter as the daemon, BATCH runs per transaction (default 1000).
//
// Usage: ryax_bench_fill_history DB TEMPLATE_RUN_ID COUNT [BATCH]
//   Prints the ids of the newest and the oldest copy, and the rate.

#include "core/infrastructure/crypto/aes_gcm_secret_box.hpp"
#include "core/infrastructure/crypto/encryption_key.hpp"
#include "core/infrastructure/sqlite/database.hpp"
#include "core/infrastructure/sqlite/sqlite_run_store.hpp"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

using namespace ryax;

namespace {

void
shift(std::optional<std::int64_t>& ms, std::int64_t delta)
{
  if (ms) {
    *ms += delta;
  }
}

} // namespace

int
main(int argc, char** argv)
{
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr,
                 "usage: ryax_bench_fill_history DB TEMPLATE_RUN_ID COUNT "
                 "[BATCH]\n");
    return 2;
  }
  const std::string template_id = argv[2];
  const long count = std::atol(argv[3]);
  // Runs per transaction (the daemon's journal batches as load allows).
  const std::size_t batch_size =
    argc == 5 ? static_cast<std::size_t>(std::max(1L, std::atol(argv[4])))
              : 1000;
  auto database = infra::sqlite::Database::open(argv[1]);
  if (!database) {
    std::fprintf(stderr, "%s\n", database.error().message.c_str());
    return 1;
  }
  // The daemon's key opens and seals the password values of the runs.
  infra::crypto::KeySource source;
  if (const char* text = std::getenv("RYAX_ENCRYPTION_KEY")) {
    source.text = text;
  }
  source.file = (std::filesystem::path(argv[1]).parent_path() / infra::crypto::k_key_file_name).string();
  const auto key = infra::crypto::load_encryption_key(source, false);
  if (!key) {
    std::fprintf(stderr, "%s\n", key.error().message.c_str());
    return 1;
  }
  infra::crypto::AesGcmSecretBox box(*key);
  infra::sqlite::SqliteRunStore store(**database, box);
  auto loaded = store.load(template_id);
  if (!loaded || !*loaded) {
    std::fprintf(stderr,
                 "run \"%s\": %s\n",
                 template_id.c_str(),
                 loaded ? "not found" : loaded.error().message.c_str());
    return 1;
  }
  app::StoredRun& model = **loaded;
  model.run.recount();
  std::string trigger_step;
  {
    SQLite::Statement q((*database)->connection(),
                        "SELECT trigger_step FROM runs WHERE id = ?");
    q.bind(1, template_id);
    if (q.executeStep()) {
      trigger_step = q.getColumn(0).getString();
    }
  }
  // Written by batches, as the daemon's journal does.
  std::vector<app::RunWrite> batch;
  const auto write = [&]() -> bool {
    if (auto committed = store.commit(batch); !committed) {
      std::fprintf(stderr, "%s\n", committed.error().message.c_str());
      return false;
    }
    batch.clear();
    return true;
  };
  const auto start = std::chrono::steady_clock::now();
  std::string first;
  std::string last;
  for (long i = 1; i <= count; ++i) {
    app::StoredRun copy = model;
    const std::int64_t delta = -1000 * i;
    auto& run = copy.run;
    // Template ids are run-<12 hex digits>: "c" + 11 digits cannot collide.
    run.id = fmt::format("run-c{:011x}", i);
    run.created_ms += delta;
    shift(run.started_ms, delta);
    shift(run.finished_ms, delta);
    for (auto& [key, step] : run.steps) {
      step.created_ms += delta;
      shift(step.scheduled_ms, delta);
      shift(step.started_ms, delta);
      shift(step.finished_ms, delta);
    }
    batch.push_back(app::creation_of(copy, trigger_step));
    if (batch.size() == batch_size && !write()) {
      return 1;
    }
    (i == 1 ? first : last) = run.id;
  }
  if (!batch.empty() && !write()) {
    return 1;
  }
  const auto seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
  std::printf(
    "%ld runs in %.1f s (%.0f runs/s)\nnewest copy: %s\noldest copy: %s\n",
    count,
    seconds,
    static_cast<double>(count) / seconds,
    first.c_str(),
    last.c_str());
  return 0;
}
