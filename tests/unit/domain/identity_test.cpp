#include "core/domain/identity.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace ryax::domain;

namespace {

// Every "rpc Name(" of the daemon's API in proto/ryax/v1/ (the wrapper's
// protocol is not the daemon's API).
std::set<std::string>
proto_methods()
{
  std::set<std::string> methods;
  const std::regex rpc(R"(^\s*rpc\s+([A-Za-z0-9_]+)\s*\()");
  for (const auto& entry : std::filesystem::directory_iterator(
         std::filesystem::path(RYAX_SOURCE_DIR) / "proto/ryax/v1")) {
    if (entry.path().extension() != ".proto"
        || entry.path().stem() == "wrapper") {
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_search(line, m, rpc)) {
        methods.insert(m[1]);
      }
    }
  }
  return methods;
}

Principal
principal(Role role, std::vector<std::string> projects = { "default" })
{
  return Principal{ "u", role, std::move(projects), "" };
}

} // namespace

TEST_SUITE_BEGIN("domain::identity");

TEST_CASE("every RPC of the daemon's API has exactly one line in the "
          "permission table, and the table names no other")
{
  const auto methods = proto_methods();
  REQUIRE(methods.size() > 40); // the parse found the API
  std::set<std::string> in_table;
  for (const auto& rule : call_rules()) {
    CHECK_MESSAGE(in_table.insert(std::string(rule.method)).second,
                  "twice in the table: " << rule.method);
  }
  for (const auto& method : methods) {
    CHECK_MESSAGE(in_table.contains(method),
                  "no permission table entry for RPC " << method);
  }
  for (const auto& method : in_table) {
    CHECK_MESSAGE(methods.contains(method),
                  "the table names " << method << ", which no proto declares");
  }
}

TEST_CASE("the role matrix")
{
  using O = Operation;
  // Rows: admin, developer, user, operator.
  const std::map<O, std::vector<bool>> expected = {
    { O::read, { true, true, true, true } },
    { O::run, { true, true, true, true } },
    { O::code, { true, true, false, false } },
    { O::deploy, { true, true, false, true } },
    { O::own_tokens, { true, true, true, true } },
    { O::projects, { true, false, false, false } },
    { O::users, { true, false, false, false } },
    { O::audit, { true, false, false, false } },
    { O::daemon, { true, false, false, false } },
  };
  for (const auto& [operation, row] : expected) {
    for (std::size_t r = 0; r < std::size(k_all_roles); ++r) {
      CHECK_MESSAGE(role_allows(k_all_roles[r], operation) == row[r],
                    to_string(k_all_roles[r]) << " / " << to_string(operation));
    }
  }
}

TEST_CASE("authorize: the role, then the membership of the project")
{
  CHECK(authorize(principal(Role::developer), "PushWorkflow", "default"));
  const auto user = authorize(principal(Role::user), "PushWorkflow", "default");
  REQUIRE_FALSE(user);
  CHECK(user.error().code == ryax::ErrorCode::permission_denied);
  CHECK(user.error().message
        == "user \"u\" (role user) may not code (PushWorkflow)");
  const auto outsider =
    authorize(principal(Role::developer, { "a" }), "ListRuns", "b");
  REQUIRE_FALSE(outsider);
  CHECK(outsider.error().message == "user \"u\" is not a member of project \"b\"");
  // Admins are members of every project; daemon-scoped calls ignore it.
  CHECK(authorize(principal(Role::admin, {}), "ListRuns", "b"));
  CHECK(authorize(principal(Role::user, {}), "ListSites", "b"));
  // Open calls need nobody; unknown ones are refused.
  CHECK(authorize(Principal{}, "Health", ""));
  const auto unknown = authorize(principal(Role::admin), "Nope", "default");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "call \"Nope\" is not in the permission table");
}

TEST_CASE("roles read back from their names, and nothing else does")
{
  for (const auto role : k_all_roles) {
    CHECK(parse_role(to_string(role)) == role);
  }
  CHECK_FALSE(parse_role("root"));
  CHECK_FALSE(parse_role("Admin"));
}

TEST_CASE("names of users and projects")
{
  CHECK(is_valid_name("alice"));
  CHECK(is_valid_name("team-a.b_2"));
  CHECK(is_valid_name(std::string(64, 'x')));
  CHECK_FALSE(is_valid_name(""));
  CHECK_FALSE(is_valid_name(std::string(65, 'x')));
  CHECK_FALSE(is_valid_name("-lead"));
  CHECK_FALSE(is_valid_name("a b"));
  CHECK_FALSE(is_valid_name("a/b"));
  CHECK_FALSE(is_valid_name("caf\xc3\xa9"));
  CHECK_FALSE(is_valid_name(std::string("a\0b", 3)));
}

TEST_SUITE_END();
