// What `ryax version` does on the wire, with nothing else linked: one
// channel to the daemon's UNIX socket, one Health call, one line printed.
// bench/latency/run.sh times it beside `ryax version` to split the client's
// latency into process start (dynamic linking) and the call itself; built
// twice, against the shared gRPC libraries and statically.
//
// Usage: ryax_bench_version_probe SOCKET

#include "ryax/v1/daemon.grpc.pb.h"
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <string>

int
main(int argc, char** argv)
{
  if (argc != 2) {
    std::fprintf(stderr, "usage: ryax_bench_version_probe SOCKET\n");
    return 2;
  }
  auto channel = grpc::CreateChannel(std::string("unix:") + argv[1],
                                     grpc::InsecureChannelCredentials());
  auto stub = ryax::v1::DaemonService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  ryax::v1::HealthReply reply;
  const auto status = stub->Health(&context, ryax::v1::HealthRequest{}, &reply);
  if (!status.ok()) {
    std::printf("daemon: not running\n");
    return 7;
  }
  std::printf("daemon: %s\n", reply.version().c_str());
  return 0;
}
