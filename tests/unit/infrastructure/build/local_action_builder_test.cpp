#include "core/infrastructure/build/content_key.hpp"
#include "core/infrastructure/build/local_action_builder.hpp"
#include "core/infrastructure/build/ryax_lock.hpp"
#include "core/infrastructure/process/subprocess.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

using ryax::ErrorCode;
using ryax::app::BuildOutcome;
using ryax::app::BuildRequest;
using ryax::domain::ActionType;
using ryax::domain::ActionVersion;
using ryax::infra::build::build_content_key;
using ryax::infra::build::LocalActionBuilder;
using ryax::infra::build::LocalActionBuilderOptions;
using ryax::infra::build::parse_ryax_lock;
using ryax::infra::build::RyaxLock;
using ryax::test::read_file;
using ryax::test::TempDir;
using ryax::test::write_file;

namespace fs = std::filesystem;

namespace {

const std::string k_handler = "def handle(request):\n    return {}\n";

ActionVersion
make_action(ActionType type, const std::string& options_json = "{}")
{
  ActionVersion action;
  action.metadata.id = "demo";
  action.metadata.version = "1.0";
  action.metadata.type = type;
  action.metadata.options_json = options_json;
  action.tree_id = "0123456789abcdef0123456789abcdef01234567";
  return action;
}

// A temp dir holding an action source, a wheelhouse and bundles, with a
// builder that installs only from the wheelhouse.
struct BuildFixture
{
  TempDir tmp;
  fs::path source = tmp.path() / "source";
  fs::path wheels = tmp.path() / "wheels";
  std::vector<std::string> log;
  int bundles = 0;

  BuildFixture()
  {
    fs::create_directories(source);
    fs::create_directories(wheels);
    write_file(source / "ryax_handler.py", k_handler);
  }

  LocalActionBuilderOptions
  offline_options() const
  {
    LocalActionBuilderOptions options;
    options.env["PIP_NO_INDEX"] = "1";
    options.env["PIP_FIND_LINKS"] = wheels.string();
    return options;
  }

  // Add ryaxdemo-<version> to the wheelhouse.
  void
  add_wheel(const std::string& version)
  {
    const auto made =
      ryax::test::run({ "python3",
                        RYAX_SOURCE_DIR "/tests/fixtures/build/make_wheel.py",
                        wheels.string(),
                        "ryaxdemo",
                        version });
    REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  }

  // Build `action` from `source` into a fresh bundle dir.
  ryax::Result<BuildOutcome>
  build(LocalActionBuilder& builder,
        const ActionVersion& action,
        fs::path* bundle_out = nullptr)
  {
    const auto bundle = tmp.path() / ("bundle" + std::to_string(++bundles));
    fs::create_directories(bundle);
    if (bundle_out) {
      *bundle_out = bundle;
    }
    log.clear();
    BuildRequest request;
    request.action = action;
    request.source_dir = source.string();
    request.bundle_dir = bundle.string();
    request.log = [this](std::string_view line) { log.emplace_back(line); };
    return builder.build(request);
  }

  bool
  logged(const std::string& text) const
  {
    for (const auto& line : log) {
      if (line.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  }

  std::string
  log_text() const
  {
    std::string text;
    for (const auto& line : log) {
      text += line + "\n";
    }
    return text;
  }
};

// Run the bundle's python with `code`; its stdout.
std::string
run_python(const fs::path& bundle, const std::string& code)
{
  const auto ran =
    ryax::test::run({ (bundle / "env/bin/python3").string(), "-c", code });
  REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
  return ran.out;
}

RyaxLock
lock_of(const BuildOutcome& outcome)
{
  auto lock = parse_ryax_lock(outcome.lock_json, "lock");
  REQUIRE(lock);
  return *lock;
}

#define REQUIRE_BUILT(result, fixture)                                         \
  REQUIRE_MESSAGE(                                                             \
    (result),                                                                  \
    ((result) ? std::string()                                                  \
              : (result).error().message + "\n" + (fixture).log_text()))

} // namespace

TEST_SUITE_BEGIN("infra::build::LocalActionBuilder");

TEST_CASE("a python action without requirements gets a venv without pip")
{
  BuildFixture f;
  LocalActionBuilder builder(f.offline_options());
  fs::path bundle;
  const auto built =
    f.build(builder, make_action(ActionType::python3), &bundle);
  REQUIRE_BUILT(built, f);
  CHECK(built->interpreter == "env/bin/python3");
  CHECK_FALSE(built->runtime_version.empty());
  CHECK(built->warnings.empty());
  CHECK(read_file(bundle / "action/ryax_handler.py") == k_handler);
  CHECK_FALSE(fs::exists(bundle / "env/bin/pip"));
  CHECK(run_python(bundle, "import sys; print(sys.prefix)").find("env") !=
        std::string::npos);
  CHECK(read_file(bundle / "ryax_lock.json") == built->lock_json);
  const auto lock = lock_of(*built);
  CHECK(lock.python_version == built->runtime_version);
  CHECK(lock.python_version_original.empty());
  CHECK(lock.original_requirements.empty());
  CHECK(lock.locked_requirements.empty());
  CHECK(lock.wrapper_revision == "ryax-0.1.0");
  CHECK(read_file(bundle / "build.json")
          .find("\"interpreter\": \"env/bin/python3\"") != std::string::npos);
}

TEST_CASE(
  "a requirement is installed from the wheelhouse and pinned in the lock")
{
  BuildFixture f;
  f.add_wheel("1.0");
  write_file(f.source / "requirements.txt", "RyaxDemo>=1.0\n");
  auto options = f.offline_options();
  bool pip_in_venv = false;
  SUBCASE("by the interpreter's pip") {}
  SUBCASE("by a pip inside the venv")
  {
    options.pip_in_venv = pip_in_venv = true;
  }
  LocalActionBuilder builder(options);
  fs::path bundle;
  const auto built =
    f.build(builder, make_action(ActionType::python3), &bundle);
  REQUIRE_BUILT(built, f);
  if (pip_in_venv) {
    CHECK(fs::exists(bundle / "env/bin/pip"));
  }
  CHECK(run_python(bundle, "import ryaxdemo; print(ryaxdemo.VALUE)") ==
        "1.0\n");
  const auto lock = lock_of(*built);
  CHECK(lock.original_requirements == "RyaxDemo>=1.0\n");
  CHECK(lock.locked_requirements == "ryaxdemo==1.0\n");
  CHECK_MESSAGE(f.logged("Successfully installed RyaxDemo-1.0"), f.log_text());
}

TEST_CASE(
  "a shipped lock that matches is installed again and comes out the same")
{
  BuildFixture f;
  f.add_wheel("1.0");
  write_file(f.source / "requirements.txt", "ryaxdemo\n");
  LocalActionBuilder builder(f.offline_options());
  const auto first = f.build(builder, make_action(ActionType::python3));
  REQUIRE_BUILT(first, f);
  CHECK_FALSE(f.logged("using the locked requirements"));

  // A newer version appears; the lock keeps the old one.
  f.add_wheel("2.0");
  write_file(f.source / "ryax_lock.json", first->lock_json);
  fs::path bundle;
  const auto second =
    f.build(builder, make_action(ActionType::python3), &bundle);
  REQUIRE_BUILT(second, f);
  CHECK(f.logged("using the locked requirements of ryax_lock.json"));
  CHECK(run_python(bundle, "import ryaxdemo; print(ryaxdemo.VALUE)") ==
        "1.0\n");
  CHECK(second->lock_json == first->lock_json);
  CHECK(read_file(bundle / "build.json").find("\"lock_used\": true") !=
        std::string::npos);
}

TEST_CASE("a shipped lock made for other requirements is ignored")
{
  BuildFixture f;
  f.add_wheel("1.0");
  f.add_wheel("2.0");
  write_file(f.source / "requirements.txt", "ryaxdemo\n");
  RyaxLock stale;
  stale.original_requirements = "ryaxdemo<2\n";
  stale.locked_requirements = "ryaxdemo==1.0\n";
  write_file(f.source / "ryax_lock.json",
             ryax::infra::build::format_ryax_lock(stale));
  LocalActionBuilder builder(f.offline_options());
  const auto built = f.build(builder, make_action(ActionType::python3));
  REQUIRE_BUILT(built, f);
  CHECK(f.logged("ryax_lock.json ignored: its original requirements differ"));
  CHECK(lock_of(*built).locked_requirements == "ryaxdemo==2.0\n");
  CHECK(lock_of(*built).original_requirements == "ryaxdemo\n");
}

TEST_CASE("a pip failure names the requirements line and carries pip's message")
{
  BuildFixture f;
  f.add_wheel("1.0");
  write_file(f.source / "requirements.txt",
             "ryaxdemo==1.0\nno-such-package-xyz==1.0\n");
  LocalActionBuilder builder(f.offline_options());
  const auto built = f.build(builder, make_action(ActionType::python3));
  REQUIRE_FALSE(built);
  CHECK(built.error().code == ErrorCode::failed_precondition);
  CHECK(built.error().message ==
        "requirements.txt:2: \"no-such-package-xyz==1.0\": pip: ERROR: Could "
        "not find a version that satisfies the requirement "
        "no-such-package-xyz==1.0 (from versions: none)");
  CHECK(f.logged("ERROR: No matching distribution found"));
}

TEST_CASE("an uninstalled python version is an error listing the interpreters")
{
  BuildFixture f;
  LocalActionBuilder builder(f.offline_options());
  const auto action =
    make_action(ActionType::python3, R"({"python":{"version":"3.99"}})");
  const auto fingerprint = builder.toolchain_fingerprint(action);
  REQUIRE_FALSE(fingerprint);
  CHECK(fingerprint.error().code == ErrorCode::failed_precondition);
  const auto& message = fingerprint.error().message;
  CHECK(message.starts_with("spec.options.python.version: python 3.99 is not "
                            "installed (no working \"python3.99\" on PATH); "
                            "available: python3 3."));
  const auto built = f.build(builder, action);
  REQUIRE_FALSE(built);
  CHECK(built.error().message == message);
}

TEST_CASE("the requested python version selects python3.X")
{
  BuildFixture f;
  LocalActionBuilder builder(f.offline_options());
  // Whatever python3 is, its own major.minor must be selectable.
  const auto plain =
    builder.toolchain_fingerprint(make_action(ActionType::python3));
  REQUIRE_MESSAGE(plain, (plain ? "" : plain.error().message));
  const auto ran = ryax::test::run(
    { "python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])" });
  REQUIRE(ran.exit_code == 0);
  const auto version = ran.out.substr(0, ran.out.size() - 1);
  const auto action = make_action(
    ActionType::python3, R"({"python":{"version":")" + version + R"("}})");
  fs::path bundle;
  const auto built = f.build(builder, action, &bundle);
  REQUIRE_BUILT(built, f);
  CHECK(built->runtime_version.starts_with(version + "."));
  CHECK(lock_of(*built).python_version_original == version);
  const auto fingerprint = builder.toolchain_fingerprint(action);
  REQUIRE(fingerprint);
  CHECK(fingerprint->starts_with("python" + version + " /"));
  CHECK(fingerprint->ends_with(" builder-1"));
}

TEST_CASE("a nodejs action with an empty package.json is built with npm")
{
  if (!ryax::infra::process::find_on_path("npm")) {
    MESSAGE("npm is not installed: skipped");
    return;
  }
  BuildFixture f;
  fs::remove(f.source / "ryax_handler.py");
  write_file(f.source / "ryax_handler.js", "module.exports = (x) => x;\n");
  write_file(f.source / "package.json",
             "{\"name\": \"demo\", \"version\": \"1.0.0\"}\n");
  LocalActionBuilder builder(f.offline_options());
  fs::path bundle;
  const auto built = f.build(builder, make_action(ActionType::nodejs), &bundle);
  REQUIRE_BUILT(built, f);
  CHECK(fs::path(built->interpreter).is_absolute());
  CHECK(fs::path(built->interpreter).filename() == "node");
  CHECK_FALSE(built->runtime_version.empty());
  CHECK(fs::exists(bundle / "action/ryax_handler.js"));
  CHECK_FALSE(fs::exists(bundle / "env"));
  CHECK(f.logged("npm install"));
}

TEST_CASE("Nix dependencies are not installed: the build warns and succeeds")
{
  BuildFixture f;
  LocalActionBuilder builder(f.offline_options());
  auto action = make_action(ActionType::python3);
  action.metadata.dependencies = { "opencv", "ffmpeg" };
  fs::path bundle;
  const auto built = f.build(builder, action, &bundle);
  REQUIRE_BUILT(built, f);
  REQUIRE(built->warnings.size() == 1);
  CHECK(built->warnings[0].find("opencv, ffmpeg") != std::string::npos);
  CHECK(f.logged("warning: spec.dependencies not installed"));
  CHECK(read_file(bundle / "build.json").find("opencv, ffmpeg") !=
        std::string::npos);
}

TEST_CASE("missing toolchains are build errors that name them")
{
  BuildFixture f;
  auto options = f.offline_options();
  options.env["PATH"] = (f.tmp.path() / "empty-bin").string();
  LocalActionBuilder builder(options);

  const auto dotnet = f.build(builder, make_action(ActionType::csharp_dotnet6));
  REQUIRE_FALSE(dotnet);
  CHECK(dotnet.error().code == ErrorCode::failed_precondition);
  CHECK(dotnet.error().message ==
        "csharp-dotnet6: the .NET SDK is not installed on this machine (no "
        "\"dotnet\" on PATH)");

  const auto cuda = f.build(builder, make_action(ActionType::python3_cuda));
  REQUIRE_FALSE(cuda);
  CHECK(cuda.error().message ==
        "python3-cuda: the CUDA toolkit is not installed on this machine "
        "(no \"nvcc\" on PATH)");

  const auto python =
    builder.toolchain_fingerprint(make_action(ActionType::python3));
  REQUIRE_FALSE(python);
  CHECK(python.error().message ==
        "no working \"python3\" on PATH; available: none");
}

TEST_CASE("a python3-cuda action builds like python3 with a GPU driver warning")
{
  if (!ryax::infra::process::find_on_path("nvcc")) {
    MESSAGE("nvcc is not installed: skipped");
    return;
  }
  BuildFixture f;
  auto options = f.offline_options();
  options.gpu_driver_marker = (f.tmp.path() / "no-driver").string();
  LocalActionBuilder builder(options);
  fs::path bundle;
  const auto built =
    f.build(builder, make_action(ActionType::python3_cuda), &bundle);
  REQUIRE_BUILT(built, f);
  CHECK(built->interpreter == "env/bin/python3");
  REQUIRE(built->warnings.size() == 1);
  CHECK(built->warnings[0].find("no GPU driver") != std::string::npos);
  const auto fingerprint =
    builder.toolchain_fingerprint(make_action(ActionType::python3_cuda));
  REQUIRE(fingerprint);
  CHECK(fingerprint->starts_with("python3-cuda nvcc /"));
}

TEST_CASE("an internal action is copied and needs nothing else")
{
  BuildFixture f;
  LocalActionBuilder builder(f.offline_options());
  fs::path bundle;
  const auto built =
    f.build(builder, make_action(ActionType::internal), &bundle);
  REQUIRE_BUILT(built, f);
  CHECK(built->interpreter.empty());
  CHECK(fs::exists(bundle / "action/ryax_handler.py"));
  CHECK_FALSE(fs::exists(bundle / "env"));
  CHECK(
    builder.toolchain_fingerprint(make_action(ActionType::internal)).value() ==
    "internal builder-1");
}

TEST_CASE("a cancelled build stops its running tool")
{
  BuildFixture f;
  LocalActionBuilder builder(f.offline_options());
  BuildRequest request;
  request.action = make_action(ActionType::python3);
  request.source_dir = f.source.string();
  request.bundle_dir = (f.tmp.path() / "bundle").string();
  fs::create_directories(request.bundle_dir);
  bool started = false;
  request.log = [&](std::string_view line) {
    started = started || line.starts_with("$ ");
  };
  request.cancelled = [&] { return started; };
  const auto built = builder.build(request);
  REQUIRE_FALSE(built);
  CHECK(built.error().code == ErrorCode::failed_precondition);
  CHECK(built.error().message == "build cancelled");
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("infra::build::content_key");

TEST_CASE("the content key is stable and changes with tree, type or toolchain")
{
  const auto action = make_action(ActionType::python3);
  const auto key =
    build_content_key(action, "python3 /usr/bin/python3.11 3.11.2 builder-1");
  CHECK(key.size() == 40);
  CHECK(key.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(key == build_content_key(
                 action, "python3 /usr/bin/python3.11 3.11.2 builder-1"));
  CHECK(key != build_content_key(
                 action, "python3 /usr/bin/python3.11 3.11.3 builder-1"));
  auto other_tree = action;
  other_tree.tree_id = "1123456789abcdef0123456789abcdef01234567";
  CHECK(key != build_content_key(
                 other_tree, "python3 /usr/bin/python3.11 3.11.2 builder-1"));
  auto other_type = action;
  other_type.metadata.type = ActionType::python3_cuda;
  CHECK(key != build_content_key(
                 other_type, "python3 /usr/bin/python3.11 3.11.2 builder-1"));
  // Unrelated metadata is covered by tree_id, not hashed twice.
  auto renamed = action;
  renamed.metadata.human_name = "Another name";
  CHECK(key == build_content_key(
                 renamed, "python3 /usr/bin/python3.11 3.11.2 builder-1"));
}

TEST_SUITE_END();
