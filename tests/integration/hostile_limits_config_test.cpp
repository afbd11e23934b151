// ryaxd.yaml raises the limits on users' YAML files (issue 19, hostile
// input): a real ryaxd started with a config file.

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/process.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace ryax::test;
namespace fs = std::filesystem;

namespace {

void
write(const fs::path& path, const std::string& text)
{
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

bool
contains(const std::string& text, const std::string& part)
{
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_SUITE_BEGIN("integration: hostile input");

TEST_CASE("ryaxd.yaml raises the limits on workflow files")
{
  DaemonFixture d(false);
  write(d.dir() / "ryaxd.yaml", "max_workflow_steps: 5000\nmax_yaml_nodes: 2000000\n");
  d.start({ "--config", d.dir() / "ryaxd.yaml" });
  std::string steps = "apiVersion: ryax.tech/v2.0\nkind: Workflow\nspec:\n"
                      "  id: many\n  trigger: {id: s, from: manual}\n"
                      "  actions:\n";
  for (int i = 0; i < 1000; ++i) {
    steps += "  - {id: a" + std::to_string(i) + ", from: echo}\n";
  }
  write(d.dir() / "many.yaml", steps);
  const auto many = d.ryax({ "workflow", "validate", d.dir() / "many.yaml" });
  // Past the step limit: what is left is the missing action "echo".
  CHECK_FALSE(contains(many.out + many.err, "too many steps"));
  CHECK(contains(many.out + many.err, "echo"));
}

TEST_SUITE_END();
