// ryax-wrapper end to end: the real binary, driven through WrapperClient,
// running real python fixtures (tests/fixtures/wrapper/) with the python3
// found on PATH. The framed protocol itself: wrapper_protocol_test.cpp.

#include "tests/integration/wrapper_fixture.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

using namespace ryax;
using namespace ryax::test;
using app::ExecutionErrorKind;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string
all_lines(const std::vector<app::LogLine>& logs)
{
  std::string text;
  for (const auto& l : logs) {
    text += l.line + "\n";
  }
  return text;
}

} // namespace

TEST_SUITE_BEGIN("integration: wrapper");

TEST_CASE("a wrapper whose starting process is already gone exits instead of staying behind")
{
  // ryaxd passes its pid; when ryaxd dies before the wrapper sets its death
  // signal (a kill -9 while it starts replicas), the wrapper's parent is no
  // longer that pid. The crash soak (tests/soak/crash.py) found such orphans.
  const pid_t gone = ::fork();
  if (gone == 0) {
    ::_exit(0);
  }
  REQUIRE(gone > 0);
  REQUIRE(::waitpid(gone, nullptr, 0) == gone);
  TempDir dir;
  const auto wrapper = run({ RYAX_WRAPPER_BIN, "--socket", dir / "w.sock", "--parent-pid",
                             std::to_string(gone) },
                           {}, {}, std::chrono::seconds(20));
  CHECK(wrapper.exit_code == 1);
  CHECK(wrapper.err.find("(pid " + std::to_string(gone) + ") is gone") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "w.sock"));
}

TEST_CASE("a processor gets typed inputs, None for an optional one, and runs in the given interpreter")
{
  Wrapper w("processor");
  w.require_started();
  CHECK(w.client->info().runtime_pid > 0);
  CHECK(w.client->info().limit_mechanism == "none");
  const auto outputs = outputs_of(w.execute("e1", processor_inputs()));
  REQUIRE(outputs.size() == 1);
  CHECK(outputs[0]["y"] == 42);
  CHECK(outputs[0]["types"] == "int,float,bool,str,str");
  CHECK(outputs[0]["executable"] == python_interpreter());
  CHECK(outputs[0]["note_is_none"] == true);
}

TEST_CASE("the runtime stays warm: the module is imported once, in one process")
{
  Wrapper w("processor");
  w.require_started();
  const auto first = outputs_of(w.execute("a", processor_inputs("pid")))[0];
  const auto second = outputs_of(w.execute("b", processor_inputs("pid")))[0];
  CHECK(first["y"] == w.client->info().runtime_pid);
  CHECK(second["y"] == first["y"]);
  CHECK(second["types"] == first["types"]);
  // The handler ran in a per-execution working dir, removed afterwards.
  CHECK(first["executable"] == (fs::path(w.settings.work_root) / "exec" / "a").string());
  CHECK_FALSE(fs::exists(first["executable"].get<std::string>()));
}

TEST_CASE("a wrong or missing input value is an invalid_input error naming it")
{
  Wrapper w("processor");
  w.require_started();
  auto inputs = processor_inputs();
  inputs["x"] = "forty";
  auto result = w.execute("bad", inputs);
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::invalid_input);
  CHECK(result.error->message.find("input \"x\"") != std::string::npos);

  inputs = processor_inputs();
  inputs.erase("label");
  result = w.execute("missing", inputs);
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::invalid_input);
  CHECK(result.error->message.find("input \"label\"") != std::string::npos);

  inputs = processor_inputs();
  inputs["mode"] = "medium";
  result = w.execute("enum", inputs);
  REQUIRE(result.error);
  CHECK(result.error->message.find("input \"mode\"") != std::string::npos);
}

TEST_CASE("a mistyped or missing output is an invalid_output error naming it")
{
  Wrapper w("processor");
  w.require_started();
  auto result = w.execute("wrong", processor_inputs("wrong-output"));
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::invalid_output);
  CHECK(result.error->message.find("output \"y\"") != std::string::npos);
  result = w.execute("missing", processor_inputs("missing-output"));
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::invalid_output);
  CHECK(result.error->message == "output \"y\" is missing");
}

TEST_CASE("a returned list of dicts is a fan-out")
{
  Wrapper w("fanout");
  w.require_started();
  const auto outputs = outputs_of(w.execute("f", {{"n", 3}}));
  CHECK(outputs == json::parse(R"([{"i":0},{"i":1},{"i":2}])"));
}

TEST_CASE("RyaxException, shipped or user-defined, gives its code and message")
{
  Wrapper w("ryax-exception");
  w.require_started();
  auto result = w.execute("s", {{"which", "shipped"}});
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::ryax_exception);
  CHECK(result.error->code == 404);
  CHECK(result.error->message == "no such item");
  result = w.execute("o", {{"which", "own"}});
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::ryax_exception);
  CHECK(result.error->code == 418);
  CHECK(result.error->message == "teapot");
}

TEST_CASE("another exception gives its traceback, also in the log, with the password masked")
{
  Wrapper w("processor");
  w.require_started();
  std::vector<app::LogLine> logs;
  const auto result = w.execute("r", processor_inputs("raise"), &logs);
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::user_exception);
  CHECK(result.error->code == 0);
  CHECK(result.error->message == "ValueError: bad value ***");
  CHECK(result.error->traceback.find("ryax_handler.py") != std::string::npos);
  CHECK(result.error->traceback.find("s3cr3t-pw") == std::string::npos);
  const auto text = all_lines(logs);
  CHECK(text.find("Traceback (most recent call last)") != std::string::npos);
  CHECK(text.find("ValueError: bad value ***") != std::string::npos);
  CHECK(text.find("s3cr3t-pw") == std::string::npos);
  CHECK(w.wrapper_log().find("s3cr3t-pw") == std::string::npos);
}

TEST_CASE("stdout and stderr are streamed line by line, in order, with timestamps")
{
  Wrapper w("processor");
  w.require_started();
  std::vector<app::LogLine> logs;
  const auto before = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  outputs_of(w.execute("p", processor_inputs("print"), &logs));
  std::vector<std::string> out;
  std::vector<std::string> err;
  std::int64_t last = before;
  for (const auto& l : logs) {
    (l.stream == app::LogStream::out ? out : err).push_back(l.line);
    CHECK(l.timestamp_unix_ns >= last);
    last = l.timestamp_unix_ns;
  }
  CHECK(out == std::vector<std::string>{"line 0", "line 1", "line 2", "line 3", "line 4",
                                        "no newline at the end"});
  CHECK(err == std::vector<std::string>{"warning 2"});
}

TEST_CASE("a password input never appears in the captured lines")
{
  Wrapper w("processor");
  w.require_started();
  std::vector<app::LogLine> logs;
  outputs_of(w.execute("pw", processor_inputs("print-secret"), &logs));
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].line == "the token is ***");
  CHECK(w.wrapper_log().find("s3cr3t-pw") == std::string::npos);
}

TEST_CASE("a file output is copied out of the working dir, which is removed")
{
  Wrapper w("file-output");
  w.require_started();
  write_file(w.dir / "in.txt", "some text");
  const auto outputs = outputs_of(w.execute("f1", {{"source", w.dir / "in.txt"}, {"where", "inside"}}));
  const auto report = outputs[0]["report"].get<std::string>();
  CHECK(report == (fs::path(w.settings.work_root) / "outputs/f1/report/report.txt").string());
  CHECK(read_file(report) == "SOME TEXT");
  CHECK_FALSE(fs::exists(fs::path(w.settings.work_root) / "exec/f1"));

  for (const auto* where : {"outside", "symlink"}) {
    CAPTURE(where);
    const auto result = w.execute(std::string("f-") + where, {{"source", w.dir / "in.txt"}, {"where", where}});
    REQUIRE(result.error);
    CHECK(result.error->kind == ExecutionErrorKind::invalid_output);
    CHECK(result.error->message.find("output \"report\"") != std::string::npos);
    CHECK(result.error->message.find("outside the working directory") != std::string::npos);
  }
  // A file input that does not exist is refused.
  const auto result = w.execute("f2", {{"source", w.dir / "nope.txt"}, {"where", "inside"}});
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::invalid_input);
}

TEST_CASE("a directory output is copied out with its tree")
{
  Wrapper w("directory-output");
  w.require_started();
  const auto outputs = outputs_of(w.execute("d1", json::object()));
  const fs::path results = outputs[0]["results"].get<std::string>();
  CHECK(results == fs::path(w.settings.work_root) / "outputs/d1/results/results");
  CHECK(read_file(results / "a.txt") == "a.txt");
  CHECK(read_file(results / "sub/b.txt") == "sub/b.txt");
  CHECK_FALSE(fs::exists(outputs[0]["cwd"].get<std::string>()));
}

TEST_CASE("an execution id used again starts from an empty working dir and no earlier outputs")
{
  Wrapper w("directory-output");
  w.require_started();
  // The handler makes results/ in its working dir: a leftover would fail it.
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    const auto outputs = outputs_of(w.execute("again", json::object()));
    CHECK(read_file(fs::path(outputs[0]["results"].get<std::string>()) / "a.txt") == "a.txt");
  }
  // Leftovers of an earlier wrapper on the same work root.
  const fs::path work = w.settings.work_root;
  write_file(work / "exec/stale/results/old.txt", "old");
  write_file(work / "outputs/stale/results/results/old.txt", "old");
  const auto outputs = outputs_of(w.execute("stale", json::object()));
  const fs::path results = outputs[0]["results"].get<std::string>();
  CHECK(read_file(results / "sub/b.txt") == "sub/b.txt");
  CHECK_FALSE(fs::exists(results / "old.txt"));
}

TEST_CASE("an execution over its time limit times out, and the next one runs in a new runtime")
{
  Wrapper w("processor");
  w.settings.time_limit_seconds = 1;
  w.require_started();
  const auto first_pid = outputs_of(w.execute("p1", processor_inputs("pid")))[0]["y"];
  auto start = std::chrono::steady_clock::now();
  const auto result = w.execute("slow", processor_inputs("sleep"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::timeout);
  start = std::chrono::steady_clock::now();
  const auto next = outputs_of(w.execute("p2", processor_inputs("pid")));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  CHECK(next[0]["y"] != first_pid);
  CHECK(kill(first_pid.get<int>(), 0) != 0); // the old runtime is gone
}

TEST_CASE("an execution that kills its own interpreter fails alone, the runtime is restarted")
{
  Wrapper w("processor");
  w.require_started();
  for (const auto* how : {"exit", "kill"}) {
    CAPTURE(how);
    const auto result = w.execute(std::string("crash-") + how, processor_inputs(how));
    REQUIRE(result.error);
    CHECK(result.error->kind == ExecutionErrorKind::runtime_crashed);
    CHECK(result.error->message.find(std::string(how) == "exit" ? "exited with status 3" : "signal 9")
          != std::string::npos);
    CHECK(outputs_of(w.execute(std::string("after-") + how, processor_inputs()))[0]["y"] == 42);
  }
}

TEST_CASE("a memory hog is stopped at the memory limit")
{
  Wrapper w("memory-hog");
  w.settings.memory_limit_bytes = 64 * 1024 * 1024;
  w.settings.time_limit_seconds = 30;
  w.require_started();
  const auto mechanism = w.client->info().limit_mechanism;
  MESSAGE("limit mechanism: " << mechanism);
  CHECK(mechanism != "none");
  const auto result = w.execute("hog", json::object());
  REQUIRE(result.error);
  if (mechanism.starts_with("cgroup")) {
    CHECK(result.error->kind == ExecutionErrorKind::memory_limit_exceeded);
  }
  // The next execution gets a working runtime again.
  const auto again = w.execute("hog2", json::object());
  CHECK(again.error);
}

TEST_CASE("an execution can be cancelled from another thread")
{
  Wrapper w("processor");
  w.require_started();
  std::thread canceller([&] {
    eventually([&] { return w.client->cancel("long").has_value(); }, std::chrono::seconds(5));
  });
  const auto start = std::chrono::steady_clock::now();
  const auto result = w.execute("long", processor_inputs("sleep"));
  canceller.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(result.error);
  CHECK(result.error->kind == ExecutionErrorKind::cancelled);
  CHECK(outputs_of(w.execute("next", processor_inputs()))[0]["y"] == 42);
  CHECK(w.client->cancel("nothing").error().code == ErrorCode::not_found);
}

TEST_CASE("a source emits one event per create_run, then the stream ends")
{
  Wrapper w("source");
  w.require_started();
  std::vector<app::SourceRun> runs;
  std::vector<app::LogLine> logs;
  const auto result = w.client->run_source(
    "src", json{{"count", 3}}.dump(), [&](const app::SourceRun& r) {
      runs.push_back(r);
      return app::SourceAck{"run-" + std::to_string(runs.size()), ""};
    },
    [&](const app::LogLine& l) { logs.push_back(l); });
  REQUIRE_MESSAGE(result, (result ? std::string() : result.error().message));
  CHECK_FALSE(result->has_value());
  REQUIRE(runs.size() == 4);
  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(runs[i].failed);
    CHECK(json::parse(runs[i].data_json) == json{{"index", i}, {"name", "run-" + std::to_string(i)}});
    CHECK(runs[i].running_time == doctest::Approx(0.5));
    CHECK(runs[i].status == 1);
  }
  CHECK(runs[3].failed);
  CHECK(all_lines(logs) == "emitting 0\nemitting 1\nemitting 2\n");
}

TEST_CASE("create_run waits for the ack and raises the error the client answered")
{
  Wrapper w("source");
  w.require_started();
  int calls = 0;
  const auto result = w.client->run_source(
    "src", json{{"count", 3}}.dump(),
    [&](const app::SourceRun&) {
      ++calls;
      return calls == 2 ? app::SourceAck{"", "the daemon refused it"} : app::SourceAck{"r1", ""};
    },
    {});
  REQUIRE_MESSAGE(result, (result ? std::string() : result.error().message));
  REQUIRE(result->has_value());
  CHECK(calls == 2); // the source stopped at the refused run
  CHECK((*result)->kind == ExecutionErrorKind::user_exception);
  CHECK((*result)->message.find("the daemon refused it") != std::string::npos);
}

TEST_CASE("an action whose module does not import fails to initialise with the traceback")
{
  Wrapper w("broken-import");
  const auto started = w.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().code == ErrorCode::failed_precondition);
  CHECK(started.error().message.find("module_that_does_not_exist") != std::string::npos);
}

TEST_CASE("a nodejs processor runs through the node runtime")
{
  if (!fs::exists("/usr/bin/node")) {
    MESSAGE("node is not installed: skipped");
    return;
  }
  Wrapper w("node");
  w.settings.interpreter = "/usr/bin/node";
  w.require_started();
  std::vector<app::LogLine> logs;
  CHECK(outputs_of(w.execute("n1", {{"x", 21}}, &logs)) == json::parse(R"([{"y":42}])"));
  REQUIRE(logs.size() == 1);
  CHECK(logs[0].line == "doubling 21");
  const auto failed = w.execute("n2", {{"x", -1}});
  REQUIRE(failed.error);
  CHECK(failed.error->kind == ExecutionErrorKind::user_exception);
  CHECK(failed.error->message == "Error: negative input");
  const auto invalid = w.execute("n3", {{"x", "abc"}});
  REQUIRE(invalid.error);
  CHECK(invalid.error->kind == ExecutionErrorKind::invalid_input);
}

TEST_SUITE_END();
