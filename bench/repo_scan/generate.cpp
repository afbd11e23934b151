// Generate (or modify) a git repository of N Ryax actions for the scan
// benchmark:
//   ryax_bench_gen_repo PATH [--actions 500]     create it
//   ryax_bench_gen_repo PATH --touch K           change action K, commit

#include "tests/support/git_builder.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

std::string
metadata(int index, const std::string& description,
         const std::string& version = "1.0")
{
  return fmt::format(R"(apiVersion: "ryax.tech/v2.0"
kind: Processor
spec:
  id: bench-action-{0}
  human_name: Benchmark action {0}
  type: python3
  version: "{3}"
  description: {1}
  categories: [bench, group-{2}]
  resources: {{cpu: 0.5, memory: 512M, time: 10m}}
  inputs:
  - {{name: text, human_name: Text, help: some text, type: string}}
  - {{name: count, human_name: Count, help: how many, type: integer, default_value: 3}}
  - {{name: mode, human_name: Mode, help: a mode, type: enum, enum_values: [fast, slow], default_value: fast}}
  outputs:
  - {{name: result, human_name: Result, help: the result, type: string}}
  - {{name: report, human_name: Report, help: a file, type: file}}
)",
                     index, description, index % 20, version);
}

std::string
directory(int index)
{
  return fmt::format("group-{}/action-{}", index % 20, index);
}

} // namespace

int
main(int argc, char** argv)
{
  if (argc < 2) {
    std::cerr << "usage: ryax_bench_gen_repo PATH [--actions N] [--touch K]\n";
    return 2;
  }
  const std::string path = argv[1];
  int actions = 500;
  int touch = -1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--actions") {
      actions = std::atoi(argv[i + 1]);
    } else if (flag == "--touch") {
      touch = std::atoi(argv[i + 1]);
    }
  }
  ryax::test::GitBuilder repo(path);
  if (touch >= 0) {
    // A new version: new content under the same version is a conflict.
    const auto tag = repo.head().substr(0, 8);
    repo.write(directory(touch) + "/ryax_metadata.yaml",
               metadata(touch, "changed after " + tag, "1.1-" + tag));
    std::cout << repo.commit("touch one action") << "\n";
    return 0;
  }
  for (int i = 0; i < actions; ++i) {
    const auto dir = directory(i);
    repo.write(dir + "/ryax_metadata.yaml", metadata(i, "generated for the benchmark"));
    repo.write(dir + "/ryax_handler.py",
               "def handle(request):\n    return {'result': request['text'], "
               "'report': 'report.txt'}\n");
    repo.write(dir + "/requirements.txt", "");
    repo.write(dir + "/README.md", fmt::format("# Action {}\n", i));
  }
  std::cout << repo.commit(fmt::format("{} actions", actions)) << "\n";
  return 0;
}
