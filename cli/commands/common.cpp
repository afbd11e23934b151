#include "cli/commands/common.hpp"

#include "cli/output/time_format.hpp"

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
  return output::format_unix_time(
    unix_seconds, output::TimeZone::local, output::TimeLayout::minutes);
}

} // namespace ryax::cli
