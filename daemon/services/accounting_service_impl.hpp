#pragma once

#include "core/application/accounting_service.hpp"
#include "daemon/gate.hpp"

#include "ryax/v1/accounting.grpc.pb.h"

namespace ryax::daemon {

// gRPC handlers of AccountingService: convert, call, convert back. The
// caller's principal decides which projects it sees (the service's rule),
// not the project of the call.
class AccountingServiceImpl final : public v1::AccountingService::Service
{
public:
  AccountingServiceImpl(Gate& gate, app::AccountingService& accounting);

  grpc::Status GetAccountingSummary(
    grpc::ServerContext* context,
    const v1::GetAccountingSummaryRequest* request,
    v1::AccountingSummary* reply) override;

private:
  Gate& m_gate;
  app::AccountingService& m_accounting;
};

} // namespace ryax::daemon
