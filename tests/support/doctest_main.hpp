#pragma once

// The main() of every test binary: doctest's, except that a --test-case
// filter that selects no test case fails instead of passing. ctest runs
// each case by name; a name CMake cannot carry (a ';' splits it into a
// list) would otherwise run nothing and count as passed.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstring>
#include <iostream>

namespace ryax::test {

// Notes how many test cases passed the filters of the run.
struct SelectedCount : doctest::IReporter
{
  static inline unsigned selected = 0;

  explicit SelectedCount(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override
  {
    selected = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

} // namespace ryax::test

DOCTEST_REGISTER_LISTENER("selected-count", 1, ryax::test::SelectedCount);

int
main(int argc, char** argv)
{
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) {
    return result;
  }
  bool filtered = false;
  for (int i = 1; i < argc; ++i) {
    filtered = filtered || std::strncmp(argv[i], "--test-case=", 12) == 0
               || std::strncmp(argv[i], "-tc=", 4) == 0;
  }
  if (filtered && ryax::test::SelectedCount::selected == 0) {
    std::cerr << "no test case matches the --test-case filter: nothing ran\n";
    return result == 0 ? 1 : result;
  }
  return result;
}
