#include "core/infrastructure/build/pip_failure.hpp"
#include "core/infrastructure/build/ryax_lock.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ryax::infra::build;

TEST_SUITE_BEGIN("infra::build::pip_failure");

TEST_CASE("project names are compared in their normal form")
{
  CHECK(normalize_project_name("Foo_Bar.baz--Qux") == "foo-bar-baz-qux");
  CHECK(requirement_project("  NumPy>=1.0 ; python_version > '3'") == "numpy");
  CHECK(requirement_project("zope.interface[extra]==5") == "zope-interface");
  CHECK(requirement_project("pkg @ https://example.com/pkg.whl") == "pkg");
  CHECK(requirement_project("# a comment").empty());
  CHECK(requirement_project("-r other.txt").empty());
  CHECK(requirement_project("--index-url https://x").empty());
  CHECK(requirement_project("https://example.com/x.whl").empty());
  CHECK(requirement_project("./local/dir").empty());
  CHECK(requirement_project("").empty());
}

TEST_CASE("only blank and comment lines mean nothing to install")
{
  CHECK_FALSE(has_requirements(""));
  CHECK_FALSE(has_requirements("\n  # pinned later\n\n"));
  CHECK(has_requirements("# deps\nrequests\n"));
}

TEST_CASE("pip's named requirement is matched case and separator blind")
{
  const std::string requirements = "# deps\nrequests==2.0\nFoo_Bar>=1\n";
  const std::vector<std::string> output = {
    "Looking in links: /wheels",
    "ERROR: Ignored the following versions that require a different python "
    "version: 1.0 Requires-Python >=4",
    "ERROR: Could not find a version that satisfies the requirement foo-bar>=1 "
    "(from versions: none)",
    "ERROR: No matching distribution found for foo-bar>=1",
  };
  const auto blamed = blamed_requirement(requirements, output);
  REQUIRE(blamed);
  CHECK(blamed->number == 3);
  CHECK(blamed->text == "Foo_Bar>=1");
  CHECK(describe_pip_failure("requirements.txt", requirements, output, 1) ==
        "requirements.txt:3: \"Foo_Bar>=1\": pip: ERROR: Could not find a "
        "version that satisfies the requirement foo-bar>=1 (from versions: "
        "none)");
}

TEST_CASE("an invalid requirement is blamed by the line number pip gives")
{
  const std::string requirements = "requests\nfoo bar baz\n";
  const std::vector<std::string> output = {
    "ERROR: Invalid requirement: 'foo bar baz' (from line 2 of "
    "requirements.txt)",
  };
  CHECK(describe_pip_failure("requirements.txt", requirements, output, 1) ==
        "requirements.txt:2: \"foo bar baz\": pip: ERROR: Invalid "
        "requirement: 'foo bar baz' (from line 2 of requirements.txt)");
}

TEST_CASE("a failure naming no requirement keeps pip's message alone")
{
  const std::vector<std::string> output = { "Collecting x", "Killed" };
  CHECK(describe_pip_failure("requirements.txt", "x\n", output, 137) ==
        "requirements.txt: pip: Killed");
  CHECK(describe_pip_failure(
          "requirements.txt", "y\n", { "ERROR: disk full" }, 1) ==
        "requirements.txt: pip: ERROR: disk full");
  CHECK(pip_error_summary({}, 2) == "exited with code 2");
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("infra::build::ryax_lock");

TEST_CASE("a lock is written with every field in order and read back")
{
  RyaxLock lock;
  lock.wrapper_revision = "ryax-0.1.0";
  lock.python_version = "3.11.7";
  lock.python_version_original = "3.11";
  lock.original_requirements = "requests\n";
  lock.locked_requirements = "requests==2.31.0\n";
  const auto text = format_ryax_lock(lock);
  CHECK(text == "{\n"
                "  \"actionNix\": \"\",\n"
                "  \"actionNixOriginal\": \"\",\n"
                "  \"nixpkgsPython\": \"\",\n"
                "  \"wrapperRevision\": \"ryax-0.1.0\",\n"
                "  \"python\": {\n"
                "    \"pythonVersion\": \"3.11.7\",\n"
                "    \"pythonVersionOriginal\": \"3.11\",\n"
                "    \"originalRequirements\": \"requests\\n\",\n"
                "    \"lockedRequirements\": \"requests==2.31.0\\n\"\n"
                "  }\n"
                "}\n");
  const auto read = parse_ryax_lock(text, "ryax_lock.json");
  REQUIRE(read);
  CHECK(*read == lock);
}

TEST_CASE("a Ryax lock with Nix fields is read, a malformed one is refused")
{
  const auto read = parse_ryax_lock(
    R"({"actionNix": "abc", "python": {"pythonVersion": "3.12.8"}})", "l");
  REQUIRE(read);
  CHECK(read->action_nix == "abc");
  CHECK(read->python_version == "3.12.8");
  CHECK(read->locked_requirements.empty());
  const auto bad = parse_ryax_lock("[1]", "ryax_lock.json");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ryax::ErrorCode::invalid_argument);
  const auto mistyped =
    parse_ryax_lock(R"({"python": {"pythonVersion": 3}})", "f");
  REQUIRE_FALSE(mistyped);
  CHECK(mistyped.error().message ==
        "f: python.pythonVersion: expected a string");
}

TEST_SUITE_END();
