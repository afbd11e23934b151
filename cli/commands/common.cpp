#include "cli/commands/common.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include <unistd.h>

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

int
fail_early(Context& ctx, const Error& error)
{
  ctx.fail(error);
  return ctx.exit_code;
}

std::int64_t
now_ms()
{
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

bool
confirmed(const std::string& question, bool yes)
{
  if (yes || ::isatty(STDIN_FILENO) == 0 || ::isatty(STDERR_FILENO) == 0) {
    return true;
  }
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cerr << "\n";
    return false;
  }
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

Result<std::string>
read_secret_stdin(const std::string& flag)
{
  constexpr std::size_t k_max_secret = 64 * 1024;
  std::string secret;
  char buffer[4096];
  while (secret.size() <= k_max_secret
         && std::cin.read(buffer, sizeof(buffer)).gcount() > 0) {
    secret.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
  }
  if (secret.size() > k_max_secret) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: more than {} bytes on standard input",
                            flag,
                            k_max_secret));
  }
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
    secret.pop_back();
  }
  if (secret.empty()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: nothing was read from standard input", flag));
  }
  return secret;
}

} // namespace ryax::cli
