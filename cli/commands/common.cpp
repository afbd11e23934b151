#include "cli/commands/common.hpp"

#include <ctime>

namespace ryax::cli {

int
with_client(Context& ctx,
            const std::function<Result<int>(const Client& client)>& body)
{
  auto client = Client::connect(ctx);
  if (!client) {
    ctx.fail(client.error());
    return ctx.exit_code;
  }
  auto result = body(*client);
  if (!result) {
    ctx.fail(result.error());
    return ctx.exit_code;
  }
  return *result;
}

std::string
format_time(std::int64_t unix_seconds)
{
  if (unix_seconds == 0) {
    return "never";
  }
  const std::time_t t = unix_seconds;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M", &tm);
  return buffer;
}

} // namespace ryax::cli
