#include "tests/support/temp_dir.hpp"

#include "core/infrastructure/files/read_file.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace ryax::test {

namespace {

// Set when an assertion of the running test case fails, so that TempDir keeps
// the evidence of a failed test.
bool g_current_test_failed = false;

struct FailureListener : doctest::IReporter
{
  explicit FailureListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override
  {
    g_current_test_failed = false;
  }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override
  {
    g_current_test_failed = true;
  }
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& data) override
  {
    if (data.m_failed) {
      g_current_test_failed = true;
    }
  }
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

} // namespace

DOCTEST_REGISTER_LISTENER("ryax-failure-listener", 1, FailureListener);

TempDir::TempDir()
{
  std::string pattern = "/tmp/rx.XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = buffer.data();
}

TempDir::~TempDir()
{
  if (g_current_test_failed) {
    std::cerr << "test failed: keeping " << m_path << "\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::string
TempDir::operator/(const std::string& relative) const
{
  return (m_path / relative).string();
}

void
write_file(const std::filesystem::path& path, const std::string& content)
{
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path());
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string
read_file(const std::filesystem::path& path)
{
  return infra::files::read_file(path).value_or("");
}

} // namespace ryax::test
