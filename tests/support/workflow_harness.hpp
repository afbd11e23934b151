#pragma once

// WorkflowService on in-memory adapters and fakes, for the application
// tests of tests/unit/application/.

#include "core/application/workflow_service.hpp"
#include "tests/support/fake_runner_ports.hpp"

#include <string>
#include <string_view>

namespace ryax::test {

// A WorkflowFileStore that keeps nothing (the tests push no static file).
class NoWorkflowFiles final : public app::WorkflowFileStore
{
public:
  Result<std::string> put(std::string_view) override { return std::string("k"); }
  std::string path(const std::string&) override { return ""; }
};

// One pool "default" of 4 cores and 8 GiB.
inline domain::Site
one_pool_site()
{
  domain::NodePool pool;
  pool.name = "default";
  pool.cpu = 4;
  pool.memory_bytes = 8LL << 30;
  domain::Site site;
  site.pools = { pool };
  return site;
}

struct WorkflowHarness
{
  InMemoryWorkflowStore workflows;
  NoWorkflowFiles files;
  InMemoryActionCatalogue catalogue;
  FakeWorkflowFormat format;
  ManualClock clock;
  FakeRuntimePool runtimes;
  FakeSecretBox box;
  app::WorkflowService service{ workflows, files, catalogue,       format,
                                clock,     runtimes, box, one_pool_site(),
                                "x86_64" };
};

} // namespace ryax::test
