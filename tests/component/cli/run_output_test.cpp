#include "cli/commands/run_files.hpp"
#include "cli/commands/run_render.hpp"
#include "cli/commands/run_show.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace ryax::cli;
using nlohmann::json;

namespace {

// A run that failed in the third branch of a fan-out, with one result.
ryax::v1::Run
failed_run()
{
  ryax::v1::Run run;
  run.set_id("r1");
  run.set_workflow_id("thumbnails");
  run.set_workflow_version(3);
  run.set_state("error");
  run.set_created_ms(1'700'000'000'000);
  run.set_started_ms(1'700'000'000'250);
  run.set_finished_ms(1'700'000'004'500);
  run.set_error_step("resize");
  run.set_error_branch("2");
  run.mutable_error()->set_kind("user_exception");
  run.mutable_error()->set_message("image too small\nsecond line");
  run.mutable_error()->set_traceback("Traceback ...");
  run.set_trigger_values_json(
    R"({"folder": {"directory": "in", "key": "k0"}})");
  auto* step = run.add_steps();
  step->set_step("resize");
  step->set_branch("2");
  step->set_action("resize:1.0");
  step->set_state("error");
  step->set_attempt(1);
  step->set_inputs_json(R"({"size": 128})");
  step->set_outputs_json("[]");
  step->mutable_error()->set_kind("user_exception");
  step->set_started_ms(1'700'000'001'000);
  step->set_finished_ms(1'700'000'004'000);
  auto* done = run.add_steps();
  done->set_step("list");
  done->set_action("list:1.0");
  done->set_state("done");
  done->set_attempt(1);
  done->set_inputs_json("{}");
  done->set_outputs_json(R"([{"count": 3}])");
  auto* result = run.add_results();
  result->set_key("thumbs");
  result->set_value_json(
    R"([{"file": "a.png", "key": "k1"}, null, {"file": "c.png", "key": "k3"}])");
  result->set_list(true);
  return run;
}

} // namespace

TEST_SUITE_BEGIN("cli::run_render");

TEST_CASE(
  "the run document carries proto names, both time forms and parsed values")
{
  const auto doc = run_json(failed_run());
  CHECK(doc["id"] == "r1");
  CHECK(doc["workflow_version"] == 3);
  CHECK(doc["created_ms"] == 1'700'000'000'000);
  CHECK(doc["created_at"] == "2023-11-14T22:13:20.000Z");
  CHECK(doc["finished_at"] == "2023-11-14T22:13:24.500Z");
  CHECK(doc["error_branch"] == "2");
  CHECK(doc["error"]["kind"] == "user_exception");
  CHECK(doc["error"]["traceback"] == "Traceback ...");
  CHECK(doc["trigger_values"]["folder"]["directory"] == "in");
  REQUIRE(doc["steps"].size() == 2);
  CHECK(doc["steps"][0]["inputs"]["size"] == 128);
  CHECK(doc["steps"][0]["outputs"] == json::array());
  CHECK(doc["steps"][0]["scheduled_ms"] == 0);
  CHECK(doc["steps"][0]["scheduled_at"].is_null());
  CHECK(doc["steps"][1]["error"].is_null());
  CHECK(doc["steps"][1]["outputs"][0]["count"] == 3);
  REQUIRE(doc["results"].size() == 1);
  CHECK(doc["results"][0]["key"] == "thumbs");
  CHECK(doc["results"][0]["list"] == true);
  CHECK(doc["results"][0]["value"][2]["file"] == "c.png");
}

TEST_CASE("a value that is not JSON is kept as a string, an empty one is null")
{
  CHECK(parse_value("").is_null());
  CHECK(parse_value("{oops") == "{oops");
  CHECK(parse_value("\"hi\"") == "hi");
  CHECK(parse_value("[1,2]") == json::array({ 1, 2 }));
}

TEST_CASE("durations read at a glance at every scale")
{
  CHECK(format_duration_ms(0) == "0ms");
  CHECK(format_duration_ms(850) == "850ms");
  CHECK(format_duration_ms(4'250) == "4.2s");
  CHECK(format_duration_ms(59'999) == "59.9s");
  CHECK(format_duration_ms(192'000) == "3m12s");
  CHECK(format_duration_ms(7'500'000) == "2h05m");
  CHECK(format_duration_ms(3 * 86'400'000LL + 4 * 3'600'000LL) == "3d04h");
  CHECK(format_duration_ms(-1) == "-");
  CHECK(span_text(0, 0, 10) == "-");
  CHECK(span_text(1'000, 0, 3'000) == "2.0s");
  CHECK(span_text(1'000, 1'500, 9'000) == "500ms");
}

TEST_CASE("recent times are relative, older ones a date")
{
  const std::int64_t now = 1'700'000'000'000;
  CHECK(format_since(0, now) == "-");
  CHECK(format_since(now, now) == "just now");
  CHECK(format_since(now - 12'000, now) == "12s ago");
  CHECK(format_since(now - 300'000, now) == "5m ago");
  CHECK(format_since(now - 3 * 3'600'000, now) == "3h ago");
  CHECK(format_since(now - 3 * 86'400'000LL, now).size() ==
        16); // "YYYY-MM-DD HH:MM"
}

TEST_CASE("the failure line names the run, the step, the branch and the reason")
{
  auto run = failed_run();
  CHECK(failure_text(run) ==
        "run r1 failed at step \"resize\" (branch \"2\"): user_exception: "
        "image too small");
  run.set_error_branch("");
  CHECK(failure_text(run) ==
        "run r1 failed at step \"resize\": user_exception: image too small");
  run.set_state("cancelled");
  CHECK(failure_text(run) == "run r1 was cancelled");
}

TEST_CASE("results show files by name and one line per list element")
{
  const json results = json::array(
    { { { "key", "text" }, { "value", "HELLO" }, { "list", false } },
      { { "key", "n" }, { "value", 3 }, { "list", false } },
      { { "key", "dir" },
        { "value", { { "directory", "out" }, { "key", "k9" } } },
        { "list", false } },
      { { "key", "thumbs" },
        { "value",
          json::array({ { { "file", "a.png" }, { "key", "k1" } }, nullptr }) },
        { "list", true } } });
  CHECK(result_lines(results) ==
        std::vector<std::string>{ "text = HELLO",
                                  "n = 3",
                                  "dir = out/ (directory)",
                                  "thumbs[0] = a.png (file)",
                                  "thumbs[1] = null" });
}

TEST_CASE("a log line is one greppable output line, stderr marked")
{
  ryax::v1::RunLogLine line;
  line.set_timestamp_unix_ns(1'700'000'000'123'456'789);
  line.set_step("resize");
  line.set_branch("2");
  line.set_attempt(1);
  line.set_stream("stderr");
  line.set_line("bad\nthing");
  const auto text = log_line_text(line);
  CHECK(text.find(".123 resize[2] ! bad\\nthing") != std::string::npos);
  CHECK(text.find('\n') == std::string::npos);
  line.set_stream("stdout");
  line.set_branch("");
  line.set_attempt(2);
  CHECK(log_line_text(line).ends_with(" resize#2 bad\\nthing"));
  const auto doc = log_line_json(line);
  CHECK(doc["time"] == "2023-11-14T22:13:20.123456789Z");
  CHECK(doc["timestamp_unix_ns"] == 1'700'000'000'123'456'789);
  CHECK(doc["stream"] == "stdout");
  CHECK(doc["attempt"] == 2);
}

TEST_CASE("runs show prints the steps, their values, the error and the results")
{
  const auto run = failed_run();
  std::ostringstream out;
  print_run(out, run, run_json(run), 1'700'000'010'000, false);
  const auto text = out.str();
  CHECK(text.find("workflow: thumbnails (version 3)") != std::string::npos);
  CHECK(text.find("steps:    1/2 done") != std::string::npos);
  CHECK(text.find("  resize  2       resize:1.0  error  1        3.0s") !=
        std::string::npos);
  CHECK(text.find("    size = 128") != std::string::npos);
  CHECK(text.find("    count = 3") != std::string::npos);
  CHECK(
    text.find("error: step \"resize\" (branch \"2\"): user_exception: image "
              "too small") != std::string::npos);
  CHECK(text.find("Traceback ...") != std::string::npos);
  CHECK(text.find("  thumbs[2] = c.png (file)") != std::string::npos);
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("cli::run_files");

TEST_CASE("downloads go under their name, list elements under KEY/i")
{
  const auto doc = run_json(failed_run());
  auto results = doc["results"];
  results.push_back({ { "key", "report" },
                      { "value", { { "file", "r.txt" }, { "key", "k5" } } },
                      { "list", false } });
  results.push_back({ { "key", "n" }, { "value", 3 }, { "list", false } });
  const auto downloads = plan_downloads(results, "out");
  REQUIRE(downloads);
  REQUIRE(downloads->size() == 3);
  CHECK((*downloads)[0].path == "out/thumbs/0/a.png");
  CHECK((*downloads)[0].index == json::array({ 0 }));
  CHECK((*downloads)[1].path == "out/thumbs/2/c.png");
  CHECK((*downloads)[1].value.key == "k3");
  CHECK((*downloads)[2].path == "out/r.txt");
  CHECK((*downloads)[2].index.is_null());
}

TEST_CASE("two results with the same file name go under their keys")
{
  const json results =
    json::array({ { { "key", "a" },
                    { "value", { { "file", "x.txt" }, { "key", "k1" } } },
                    { "list", false } },
                  { { "key", "b" },
                    { "value", { { "file", "x.txt" }, { "key", "k2" } } },
                    { "list", false } } });
  const auto downloads = plan_downloads(results, "d");
  REQUIRE(downloads);
  CHECK((*downloads)[0].path == "d/a/x.txt");
  CHECK((*downloads)[1].path == "d/b/x.txt");
}

TEST_CASE("a file name that would escape the download directory is refused")
{
  const json results =
    json::array({ { { "key", "a" },
                    { "value", { { "file", "../x" }, { "key", "k1" } } },
                    { "list", false } } });
  const auto downloads = plan_downloads(results, "d");
  REQUIRE_FALSE(downloads);
  CHECK(downloads.error().message == "result \"a\": unsafe file name \"../x\"");
}

TEST_CASE("--file reads a file, or a directory with its entries sorted")
{
  ryax::test::TempDir tmp;
  ryax::test::write_file(tmp.path() / "photo.png", "PNG");
  ryax::test::write_file(tmp.path() / "in/b.txt", "b");
  ryax::test::write_file(tmp.path() / "in/sub/a.txt", "a");
  const auto file = read_upload("image", tmp / "photo.png");
  REQUIRE(file);
  CHECK(file->name() == "image");
  CHECK(file->file_name() == "photo.png");
  CHECK_FALSE(file->directory());
  CHECK(file->content() == "PNG");
  const auto dir = read_upload("folder", tmp / "in/");
  REQUIRE(dir);
  CHECK(dir->file_name() == "in");
  CHECK(dir->directory());
  REQUIRE(dir->entries_size() == 3);
  CHECK(dir->entries(0).path() == "b.txt");
  CHECK(dir->entries(0).content() == "b");
  CHECK(dir->entries(1).path() == "sub");
  CHECK(dir->entries(1).directory());
  CHECK(dir->entries(2).path() == "sub/a.txt");
}

TEST_CASE("--file with a missing path names it and is invalid")
{
  ryax::test::TempDir tmp;
  const auto missing = read_upload("image", tmp / "nope.png");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ryax::ErrorCode::invalid_argument);
  CHECK(missing.error().message ==
        "--file image: \"" + (tmp / "nope.png") + "\" does not exist");
  const auto bad = parse_assignment("image", "--file");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "--file \"image\": expected NAME=PATH");
  const auto good = parse_assignment("text=a=b", "--input");
  REQUIRE(good);
  CHECK(good->first == "text");
  CHECK(good->second == "a=b");
}

TEST_SUITE_END();
