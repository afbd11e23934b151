// Names and messages shown to people cannot drive their terminal (issue 19):
// control characters in names are refused at push, and what can still carry
// them (an error message from user code) is printed escaped in tables, fields
// and "ryax: error:", exact in JSON. A real ryaxd and the real ryax binary.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/run_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace ryax::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

// Whether `text` holds a byte a terminal takes as a control: C0 but newline
// and tab, DEL, or a C1 control in UTF-8.
bool
has_control(const std::string& text)
{
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      return true;
    }
    if (c == 0xC2 && i + 1 < text.size()
        && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      return true;
    }
  }
  return false;
}

std::string
workflow_file(const std::string& id, const std::string& spec_lines)
{
  return "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: " + id +
         "\n" + spec_lines + "  trigger: {id: start, from: manual}\n";
}

} // namespace

TEST_SUITE_BEGIN("integration: terminal escapes");

TEST_CASE("control characters in a workflow name or description are refused at push naming the field")
{
  DaemonFixture d;
  const auto esc = d.dir() / "esc.yaml";
  std::ofstream(esc) << workflow_file(
    "esc", "  human_name: \"\\e[2Jclear \\e]0;pwned\\a\"\n");
  auto push = d.ryax({ "workflow", "push", esc });
  CHECK(push.exit_code == 5);
  CHECK(contains(push.err, "esc.yaml:5:"));
  CHECK(contains(push.err, "spec.human_name"));
  CHECK(contains(push.err, "control character U+001B at character 1"));
  CHECK_FALSE(has_control(push.out + push.err));
  CHECK(d.ryax({ "workflow", "validate", esc }).exit_code == 5);

  const auto nul = d.dir() / "nul.yaml";
  std::ofstream(nul) << workflow_file(
    "nul", "  human_name: ok\n  description: \"a\\0b\"\n");
  push = d.ryax({ "workflow", "push", nul });
  CHECK(push.exit_code == 5);
  CHECK(contains(push.err, "spec.description"));
  CHECK(contains(push.err, "a NUL byte (U+0000) at character 2"));

  const auto c1 = d.dir() / "c1.yaml";
  std::ofstream(c1) << workflow_file("c1", "  human_name: \"\\x9b2J\"\n");
  push = d.ryax({ "workflow", "push", c1 });
  CHECK(push.exit_code == 5);
  CHECK(contains(push.err, "control character U+009B"));

  const auto output = d.dir() / "output.yaml";
  std::ofstream(output)
    << "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n  id: output\n"
       "  trigger:\n    id: start\n    from: manual\n    outputs:\n"
       "    - {name: x, type: integer, human_name: X, help: \"\\e[8mhidden\"}\n";
  push = d.ryax({ "workflow", "push", output });
  CHECK(push.exit_code == 5);
  CHECK(contains(push.err, "output.yaml:9:"));
  CHECK(contains(push.err, "spec.trigger.outputs[0].help"));

  // A name has one line; a description may have several, and tabs.
  const auto lines = d.dir() / "lines.yaml";
  std::ofstream(lines) << workflow_file(
    "lines", "  human_name: \"two\\nlines\"\n");
  CHECK(d.ryax({ "workflow", "push", lines }).exit_code == 5);
  const auto text = d.dir() / "text.yaml";
  std::ofstream(text) << workflow_file(
    "text", "  human_name: Text\n  description: |\n    one\n    \ttwo\n");
  push = d.ryax({ "workflow", "push", text });
  CHECK_MESSAGE(push.exit_code == 0, push.err);
}

TEST_CASE("an error message with terminal escapes from user code prints escaped in tables and fields and exact in JSON")
{
  RunFixture f({ "escapes" });
  f.deploy("escapes",
           "    - {name: x, type: integer}\n",
           "  - {id: red, from: escapes, inputs_values: {x: \"{{ start.x }}\"}}\n");
  const std::string escaped = "\\x1b[31mred\\x1b]0;pwned\\x07 \\u009b2J";
  const std::string raw = "\x1b[31mred\x1b]0;pwned\x07 \xc2\x9b" "2J";

  const auto run = f.daemon.ryax({ "run", "escapes", "--input", "x=1", "--wait" });
  CHECK(run.exit_code == 6);
  CHECK(contains(run.err, "ryax: error: "));
  CHECK(contains(run.err, escaped));
  CHECK_FALSE(has_control(run.out + run.err));

  const auto list = f.require_ok({ "runs", "list", "-o", "wide" });
  CHECK(contains(list.out, "ERROR"));
  CHECK(contains(list.out, escaped));
  CHECK_FALSE(has_control(list.out));

  const auto runs = json::parse(f.require_ok({ "runs", "list", "-o", "json" }).out);
  REQUIRE(runs.size() == 1);
  const auto id = runs[0]["id"].get<std::string>();
  const auto show = f.require_ok({ "runs", "show", id });
  CHECK(contains(show.out, escaped));
  CHECK_FALSE(has_control(show.out));

  // Machine formats stay exact.
  const auto doc = f.show(id);
  CHECK(doc["error"]["message"] == "ValueError: " + raw);
  // YAML escapes them its own way, in a double-quoted string.
  const auto yaml = f.require_ok({ "runs", "show", id, "-o", "yaml" }).out;
  CHECK(contains(yaml, "\"ValueError: \\x1b[31mred\\x1b]0;pwned\\x07 \\x9b2J\""));
}
