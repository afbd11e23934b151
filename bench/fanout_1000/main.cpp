// Submit COUNT runs of a deployed workflow at once through the API
// (RunService.StartRun, all in flight together on the async API), then wait
// until every run is final. Prints the time from the first submit to the
// last reply, to all runs final (seen by polling ListRuns, and by the runs'
// own finished_ms), and the throughput.
//
// Usage: ryax_bench_fanout SOCKET WORKFLOW COUNT [NAME=VALUE] [--no-wait]
//                          [--window N]
//   With --no-wait it returns once every StartRun was answered (to queue
//   runs, as bench/footprint does). --window N keeps at most N calls in
//   flight (default: all COUNT at once).

#include "core/infrastructure/rpc/local_identity.hpp"
#include "ryax/v1/run.grpc.pb.h"
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono;
using ryax::v1::RunService;

namespace {

// "Bearer <token>", sent with every call.
std::string g_authorization;

std::int64_t
unix_ms()
{
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

double
ms_since(steady_clock::time_point start)
{
  return duration<double, std::milli>(steady_clock::now() - start).count();
}

// Whether some run created at or after `since_ms` is in `state`.
bool
any_in_state(RunService::Stub& stub, std::int64_t since_ms, const char* state)
{
  grpc::ClientContext context;
  context.AddMetadata("authorization", g_authorization);
  context.set_deadline(system_clock::now() + seconds(30));
  ryax::v1::ListRunsRequest request;
  request.set_since_ms(since_ms);
  request.set_state(state);
  request.set_limit(1);
  ryax::v1::ListRunsReply reply;
  const auto status = stub.ListRuns(&context, request, &reply);
  if (!status.ok()) {
    std::fprintf(stderr, "ListRuns: %s\n", status.error_message().c_str());
    std::exit(1);
  }
  return reply.runs_size() > 0;
}

struct Call
{
  grpc::ClientContext context;
  ryax::v1::Run reply;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<ryax::v1::Run>> reader;
};

} // namespace

int
main(int argc, char** argv)
{
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: ryax_bench_fanout SOCKET WORKFLOW COUNT [NAME=VALUE] "
                 "[--no-wait]\n");
    return 2;
  }
  const std::string socket = argv[1];
  const std::string workflow = argv[2];
  const int count = std::atoi(argv[3]);
  std::string input;
  bool wait = true;
  int window = count;
  for (int i = 4; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-wait") {
      wait = false;
    } else if (arg == "--window" && i + 1 < argc) {
      window = std::max(1, std::atoi(argv[++i]));
    } else {
      input = arg;
    }
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 * 1024 * 1024);
  // Every call carries this account's local token, as `ryax` does (set
  // on each context: no interceptor in the client's way).
  auto token = ryax::infra::rpc::fetch_local_token(
    ryax::infra::rpc::identity_socket_path(socket));
  if (!token) {
    std::fprintf(stderr, "no token from %s: %s\n", socket.c_str(),
                 token.error().message.c_str());
    return 1;
  }
  g_authorization = "Bearer " + *token;
  auto channel = grpc::CreateCustomChannel(
    "unix:" + socket, grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(system_clock::now() + seconds(5))) {
    std::fprintf(stderr, "no daemon at %s\n", socket.c_str());
    return 1;
  }
  auto stub = RunService::NewStub(channel);

  ryax::v1::StartRunRequest request;
  request.set_workflow_id(workflow);
  if (const auto eq = input.find('='); eq != std::string::npos) {
    auto* value = request.add_inputs();
    value->set_name(input.substr(0, eq));
    value->set_text(input.substr(eq + 1));
  }

  // created_ms is in whole milliseconds: start the window one earlier.
  const auto since_ms = unix_ms() - 1;
  const auto first_submit_ms = unix_ms();
  const auto start = steady_clock::now();
  grpc::CompletionQueue queue;
  int sent = 0;
  const auto send = [&] {
    auto* call = new Call();
    call->context.AddMetadata("authorization", g_authorization);
    call->context.set_deadline(system_clock::now() + minutes(10));
    call->reader = stub->AsyncStartRun(&call->context, request, &queue);
    call->reader->Finish(&call->reply, &call->status, call);
    ++sent;
  };
  while (sent < window && sent < count) {
    send();
  }
  auto submitted = ms_since(start);
  int failed = 0;
  std::string first_error;
  for (int answered = 0; answered < count; ++answered) {
    void* tag = nullptr;
    bool ok = false;
    if (!queue.Next(&tag, &ok)) {
      break;
    }
    std::unique_ptr<Call> call(static_cast<Call*>(tag));
    if (!ok || !call->status.ok()) {
      if (failed++ == 0) {
        first_error = call->status.error_message();
      }
    }
    if (sent < count) {
      send();
      if (sent == count) {
        submitted = ms_since(start);
      }
    }
  }
  const auto answered = ms_since(start);
  std::printf("submitted %d StartRun in %.1f ms, all answered after %.1f ms\n",
              count,
              submitted,
              answered);
  if (failed > 0) {
    std::fprintf(stderr,
                 "%d StartRun failed, the first: %s\n",
                 failed,
                 first_error.c_str());
    return 1;
  }
  if (!wait) {
    return 0;
  }

  // Poll until no run of the window is pending or running.
  while (any_in_state(*stub, since_ms, "pending") ||
         any_in_state(*stub, since_ms, "running")) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  const auto all_final = ms_since(start);

  grpc::ClientContext context;
  context.AddMetadata("authorization", g_authorization);
  ryax::v1::ListRunsRequest list;
  list.set_since_ms(since_ms);
  list.set_limit(count + 1);
  ryax::v1::ListRunsReply reply;
  if (auto status = stub->ListRuns(&context, list, &reply); !status.ok()) {
    std::fprintf(stderr, "ListRuns: %s\n", status.error_message().c_str());
    return 1;
  }
  std::map<std::string, int> states;
  std::int64_t last_finished_ms = 0;
  for (const auto& run : reply.runs()) {
    ++states[run.state()];
    last_finished_ms = std::max(last_finished_ms, run.finished_ms());
  }
  const auto finished = static_cast<double>(last_finished_ms - first_submit_ms);
  std::printf("all final after %.1f ms (polled); last finished_ms - first "
              "submit: %.0f ms\n",
              all_final,
              finished);
  std::printf("runs:");
  for (const auto& [state, n] : states) {
    std::printf(" %s %d", state.c_str(), n);
  }
  std::printf("\nthroughput: %.0f runs/s\n",
              count * 1000.0 / std::max(finished, 1.0));
  // The figure run.sh takes the median of.
  std::printf("figure_ms %.0f\n", finished);
  return reply.runs_size() == count && states["done"] == count ? 0 : 1;
}
