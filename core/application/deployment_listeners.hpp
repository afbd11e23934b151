#pragma once

#include "core/application/workflow_service.hpp"

#include <string>
#include <vector>

namespace ryax::app {

// Tells several DeploymentListeners, in the order added (the timer
// triggers, the user sources).
class DeploymentListeners final : public DeploymentListener
{
public:
  // Tell `listener` too (not owned; it must outlive this object).
  void add(DeploymentListener& listener) { m_listeners.push_back(&listener); }

  void deployed(const WorkflowDeployment& deployment) override
  {
    for (auto* listener : m_listeners) {
      listener->deployed(deployment);
    }
  }

  void undeployed(const std::string& project, const std::string& id) override
  {
    for (auto* listener : m_listeners) {
      listener->undeployed(project, id);
    }
  }

private:
  std::vector<DeploymentListener*> m_listeners;
};

} // namespace ryax::app
