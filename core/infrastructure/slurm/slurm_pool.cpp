#include "core/infrastructure/slurm/slurm_pool.hpp"

#include "core/application/log.hpp"
#include "core/domain/slurm.hpp"
#include "core/infrastructure/files/read_file.hpp"
#include "core/infrastructure/files/write_file.hpp"
#include "core/infrastructure/filestore/archive.hpp"
#include "core/infrastructure/filestore/bundle_transfer.hpp"
#include "core/infrastructure/slurm/slurm_lease.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace fs = std::filesystem;
using Json = nlohmann::json;

namespace ryax::infra::slurm {

namespace {

using domain::shell_quote;

constexpr auto k_setup_timeout = std::chrono::seconds(60);
constexpr auto k_upload_timeout = std::chrono::seconds(3600);

// The ryax_wrapper python package beside the daemon binary (build tree:
// share/ryax/python; installed prefix: ../share/ryax/python).
std::string
find_python_runtime()
{
  std::error_code ec;
  const auto exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (const auto& candidate :
       { exe_dir / "share" / "ryax" / "python",
         exe_dir.parent_path() / "share" / "ryax" / "python" }) {
    if (fs::is_directory(candidate / "ryax_wrapper", ec)) {
      return candidate.string();
    }
  }
  return {};
}

Result<void>
check_ran(const app::ShellResult& done, std::string_view what)
{
  if (done.exit_code == 0) {
    return {};
  }
  auto err = done.err;
  while (!err.empty() && (err.back() == '\n' || err.back() == '\r')) {
    err.pop_back();
  }
  return fail(ErrorCode::unavailable,
              fmt::format("{} failed (exit {}): {}", what, done.exit_code,
                          err.empty() ? "no message" : err));
}

} // namespace

SlurmPool::SlurmPool(app::RemoteShell& shell,
                     app::BundleStore& bundles,
                     SlurmPoolSettings settings)
  : m_shell(shell)
  , m_bundles(bundles)
  , m_settings(std::move(settings))
  , m_jobs(shell, m_settings.intervals)
{
  if (m_settings.python_runtime_dir.empty()) {
    m_settings.python_runtime_dir = find_python_runtime();
  }
  std::error_code ec;
  for (const auto* sub : { "jobs", "stage", "outputs" }) {
    fs::create_directories(fs::path(m_settings.state_dir) / sub, ec);
  }
}

SlurmPool::~SlurmPool()
{
  shutdown();
}

void
SlurmPool::shutdown()
{
  m_jobs.stop();
}

Result<std::unique_ptr<app::RuntimeLease>>
SlurmPool::acquire(const app::RuntimeSpec& spec)
{
  if (spec.action.metadata.kind == domain::ActionKind::source) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("site {} is a Slurm site: triggers never run "
                            "there",
                            m_settings.site));
  }
  return std::make_unique<SlurmLease>(*this, spec);
}

Result<void>
SlurmPool::warm(const app::RuntimeSpec& spec)
{
  RYAX_TRY(ensure_bundle(spec.action));
  return {};
}

Result<std::string>
SlurmPool::remote_root()
{
  {
    std::lock_guard lock(m_mutex);
    if (m_root) {
      return *m_root;
    }
  }
  auto root = m_settings.cache_dir;
  if (root.starts_with("~/")) {
    RYAX_TRY_ASSIGN(const auto home,
                    m_shell.run("printf '%s' \"$HOME\"", {}, k_setup_timeout));
    RYAX_TRY(check_ran(home, "reading the remote home"));
    if (!home.out.starts_with('/')) {
      return fail(ErrorCode::unavailable,
                  fmt::format("site {}: the remote home \"{}\" is not an "
                              "absolute path",
                              m_settings.site, home.out));
    }
    root = home.out + root.substr(1);
  }
  while (root.size() > 1 && root.ends_with('/')) {
    root.pop_back();
  }
  RYAX_TRY_ASSIGN(
    const auto made,
    m_shell.run(fmt::format("mkdir -p {0}/bundles {0}/runtime {0}/executions",
                            shell_quote(root)),
                {}, k_setup_timeout));
  RYAX_TRY(check_ran(made, fmt::format("making the cache dir {}", root)));
  std::lock_guard lock(m_mutex);
  m_root = root;
  return root;
}

Result<void>
SlurmPool::check()
{
  RYAX_TRY(remote_root());
  RYAX_TRY_ASSIGN(const auto version,
                  m_shell.run("sbatch --version", {}, k_setup_timeout));
  RYAX_TRY(check_ran(version, "sbatch --version (is Slurm installed there?)"));
  return {};
}

Result<std::string>
SlurmPool::sinfo()
{
  RYAX_TRY_ASSIGN(const auto done,
                  m_shell.run("sinfo -h -o '%P|%a|%D|%T|%C'", {},
                              k_setup_timeout));
  RYAX_TRY(check_ran(done, "sinfo"));
  return done.out;
}

Result<std::string>
SlurmPool::ensure_runtime()
{
  {
    std::lock_guard lock(m_mutex);
    if (m_runtime) {
      return *m_runtime;
    }
  }
  RYAX_TRY_ASSIGN(const auto root, remote_root());
  if (m_settings.python_runtime_dir.empty()) {
    return fail(ErrorCode::failed_precondition,
                "the ryax_wrapper python package is not beside ryaxd "
                "(share/ryax/python)");
  }
  const auto archive = m_settings.state_dir + "/stage/runtime.tar";
  RYAX_TRY(filestore::create_archive(m_settings.python_runtime_dir, archive));
  RYAX_TRY_ASSIGN(const auto digest, filestore::sha256_file(archive));
  const auto dir = root + "/runtime/" + digest.substr(0, 16);
  const auto quoted = shell_quote(dir);
  RYAX_TRY_ASSIGN(
    const auto sent,
    m_shell.run_with_input_file(
      fmt::format("if [ -f {0}/.complete ]; then cat >/dev/null; else "
                  "rm -rf {0}.part && mkdir -p {0}.part && tar -xf - -C "
                  "{0}.part && touch {0}.part/.complete && rm -rf {0} && mv "
                  "{0}.part {0}; fi",
                  quoted),
      archive, k_upload_timeout));
  RYAX_TRY(check_ran(sent, "uploading the python runtime"));
  std::lock_guard lock(m_mutex);
  m_runtime = dir;
  return dir;
}

Result<std::string>
SlurmPool::ensure_bundle(const domain::ActionVersion& action)
{
  const auto& key = action.bundle_key;
  if (key.empty() || key.find('/') != std::string::npos
      || !m_bundles.contains(key)) {
    return fail(ErrorCode::failed_precondition,
                fmt::format("action {}:{} has no built bundle", action.id(),
                            action.version()));
  }
  RYAX_TRY_ASSIGN(const auto root, remote_root());
  const auto dir = root + "/bundles/" + key;
  std::shared_ptr<std::mutex> lock_of_key;
  {
    std::lock_guard lock(m_mutex);
    if (m_bundles_present.contains(key)) {
      return dir;
    }
    auto& slot = m_bundle_locks[key];
    if (!slot) {
      slot = std::make_shared<std::mutex>();
    }
    lock_of_key = slot;
  }
  // One upload per bundle at a time; the others wait for it.
  std::lock_guard uploading(*lock_of_key);
  {
    std::lock_guard lock(m_mutex);
    if (m_bundles_present.contains(key)) {
      return dir;
    }
  }
  const auto quoted = shell_quote(dir);
  RYAX_TRY_ASSIGN(const auto present,
                  m_shell.run(fmt::format("test -f {}/.complete", quoted), {},
                              k_setup_timeout));
  if (present.exit_code != 0) {
    RYAX_TRY_ASSIGN(const auto archive,
                    filestore::pack_bundle(m_bundles.path(key),
                                           m_settings.state_dir + "/stage",
                                           key));
    // The links that point outside the bundle (the venv's interpreter) are
    // made again there; the job falls back to python3 on PATH when their
    // target is missing on the cluster.
    std::string links;
    for (const auto& link : archive.links) {
      if (link.path.starts_with('/') || link.path.find("..") != std::string::npos) {
        continue;
      }
      links += fmt::format(" && mkdir -p \"$(dirname {0})\" && ln -sfn {1} {0}",
                           shell_quote(dir + ".part/" + link.path),
                           shell_quote(link.target));
    }
    const auto started = std::chrono::steady_clock::now();
    RYAX_TRY_ASSIGN(
      const auto sent,
      m_shell.run_with_input_file(
        fmt::format("rm -rf {0}.part && mkdir -p {0}.part && tar -xf - -C "
                    "{0}.part{1} && touch {0}.part/.complete && rm -rf {0} "
                    "&& mv {0}.part {0}",
                    quoted, links),
        archive.path, k_upload_timeout));
    RYAX_TRY(check_ran(sent, fmt::format("uploading bundle {}", key)));
    app::log::info("site {}: bundle {} of {}:{} uploaded ({} bytes, {} ms)",
                   m_settings.site, key, action.id(), action.version(),
                   archive.size,
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count());
  }
  std::lock_guard lock(m_mutex);
  m_bundles_present.insert(key);
  return dir;
}

void
SlurmPool::reap_idle()
{
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(m_mutex);
    if (!m_root || now - m_last_reap < std::chrono::minutes(10)) {
      return;
    }
    m_last_reap = now;
  }
  const auto root = remote_root();
  if (!root) {
    return;
  }
  const auto minutes = std::max<std::int64_t>(m_settings.keep_failed_seconds / 60, 1);
  auto done = m_shell.run(
    fmt::format("find {}/executions -mindepth 1 -maxdepth 1 -type d -mmin +{} "
                "-exec rm -rf {{}} +",
                shell_quote(*root), minutes),
    {}, k_setup_timeout);
  if (!done || done->exit_code != 0) {
    app::log::warn("site {}: cannot remove old execution dirs: {}",
                   m_settings.site,
                   done ? done->err : done.error().message);
  }
}

std::string
SlurmPool::outputs_dir(const std::string& execution_id) const
{
  return m_settings.state_dir + "/outputs/" + execution_id;
}

std::optional<SlurmPool::Submitted>
SlurmPool::recorded(const std::string& slot)
{
  const auto text = files::read_file(m_settings.state_dir + "/jobs/" + slot + ".json",
                                     64 * 1024);
  if (!text) {
    return std::nullopt;
  }
  const auto doc = Json::parse(*text, nullptr, false);
  if (!doc.is_object()) {
    return std::nullopt;
  }
  Submitted submitted;
  submitted.execution_id = doc.value("execution_id", "");
  submitted.job_id = doc.value("job_id", "");
  submitted.dir = doc.value("dir", "");
  if (submitted.execution_id.empty() || submitted.dir.empty()) {
    return std::nullopt;
  }
  return submitted;
}

Result<void>
SlurmPool::record(const std::string& slot, const Submitted& submitted)
{
  const Json doc = { { "execution_id", submitted.execution_id },
                     { "job_id", submitted.job_id },
                     { "dir", submitted.dir } };
  return files::write_file_atomically(
    m_settings.state_dir + "/jobs/" + slot + ".json", doc.dump(), 0600);
}

void
SlurmPool::forget(const std::string& slot)
{
  std::error_code ec;
  fs::remove(m_settings.state_dir + "/jobs/" + slot + ".json", ec);
}

void
SlurmPool::running(const std::string& execution_id, const std::string& job_id)
{
  std::lock_guard lock(m_mutex);
  m_running[execution_id] = job_id;
}

std::optional<std::string>
SlurmPool::job_of(const std::string& execution_id)
{
  std::lock_guard lock(m_mutex);
  const auto found = m_running.find(execution_id);
  if (found == m_running.end()) {
    return std::nullopt;
  }
  return found->second;
}

void
SlurmPool::ended(const std::string& execution_id)
{
  std::lock_guard lock(m_mutex);
  m_running.erase(execution_id);
}

} // namespace ryax::infra::slurm
