#include "core/infrastructure/rpc/local_identity.hpp"

#include <fmt/format.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/support/client_interceptor.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ryax::infra::rpc {

namespace {

constexpr std::size_t k_max_answer = 4096;
constexpr int k_timeout_ms = 5000;

// Adds the caller's metadata to every call of the channel.
class CredentialsInterceptor final : public grpc::experimental::Interceptor
{
public:
  explicit CredentialsInterceptor(const CallCredentials& credentials)
    : m_credentials(credentials)
  {
  }

  void
  Intercept(grpc::experimental::InterceptorBatchMethods* methods) override
  {
    using Point = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Point::PRE_SEND_INITIAL_METADATA)) {
      auto* metadata = methods->GetSendInitialMetadata();
      if (!m_credentials.token.empty()) {
        metadata->emplace("authorization", "Bearer " + m_credentials.token);
      }
      if (!m_credentials.project.empty()) {
        metadata->emplace("ryax-project", m_credentials.project);
      }
    }
    methods->Proceed();
  }

private:
  const CallCredentials& m_credentials;
};

class CredentialsFactory final
  : public grpc::experimental::ClientInterceptorFactoryInterface
{
public:
  explicit CredentialsFactory(CallCredentials credentials)
    : m_credentials(std::move(credentials))
  {
  }

  grpc::experimental::Interceptor*
  CreateClientInterceptor(grpc::experimental::ClientRpcInfo*) override
  {
    return new CredentialsInterceptor(m_credentials);
  }

private:
  CallCredentials m_credentials; // outlives the channel's interceptors
};

} // namespace

std::string
identity_socket_path(const std::string& socket_path)
{
  return socket_path + ".id";
}

Result<std::string>
fetch_local_token(const std::string& path)
{
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof(address.sun_path)) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("identity socket \"{}\" is too long", path));
  }
  std::copy(path.begin(), path.end(), address.sun_path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return fail(ErrorCode::internal,
                fmt::format("socket: {}", std::strerror(errno)));
  }
  struct Closer
  {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{ fd };
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address))
      != 0) {
    return fail(ErrorCode::unavailable,
                fmt::format("no identity socket at \"{}\" ({})",
                            path,
                            std::strerror(errno)));
  }
  std::string answer;
  char buffer[512];
  while (answer.size() < k_max_answer && answer.find('\n') == std::string::npos) {
    pollfd pfd{ fd, POLLIN, 0 };
    if (::poll(&pfd, 1, k_timeout_ms) <= 0) {
      return fail(ErrorCode::unavailable,
                  fmt::format("the identity socket \"{}\" did not answer",
                              path));
    }
    const auto got = ::read(fd, buffer, sizeof(buffer));
    if (got <= 0) {
      break;
    }
    answer.append(buffer, static_cast<std::size_t>(got));
  }
  answer = answer.substr(0, answer.find('\n'));
  if (answer.starts_with("ok ")) {
    return answer.substr(3);
  }
  if (answer.starts_with("error ")) {
    const auto rest = answer.substr(6);
    const auto space = rest.find(' ');
    const auto code = parse_error_code(rest.substr(0, space));
    return fail(code.value_or(ErrorCode::internal),
                space == std::string::npos ? rest : rest.substr(space + 1));
  }
  return fail(ErrorCode::unavailable,
              fmt::format("the identity socket \"{}\" gave no token", path));
}

std::shared_ptr<grpc::Channel>
channel_with(const std::string& target,
             const std::shared_ptr<grpc::ChannelCredentials>& transport,
             const grpc::ChannelArguments& arguments,
             const CallCredentials& credentials)
{
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
    factories;
  factories.push_back(std::make_unique<CredentialsFactory>(credentials));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
    target, transport, arguments, std::move(factories));
}

} // namespace ryax::infra::rpc
