#include "core/domain/accounting.hpp"

#include "core/domain/action.hpp"
#include "core/domain/suggest.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

// Allocated versus requested: every site this daemon places on reserves
// exactly the request in its pool (the scheduler's PoolUsage: the local
// site and worker agents partition their machine logically, a Slurm
// partition gets the same cores and GPUs in sbatch), so the runner records
// the request with the scheduler's defaults applied as the allocation. The
// record keeps both so that a site that rounds up (whole nodes, Kubernetes
// quantities) can say what it really gave.

namespace ryax::domain {

namespace {

constexpr std::array<std::string_view, 5> k_group_names = {
  "project", "workflow", "action", "site", "pool"
};

constexpr double k_bytes_per_gb = 1024.0 * 1024.0 * 1024.0;

// Read exactly `count` digits at `pos` of `text` into `value`.
bool
digits(std::string_view text, std::size_t& pos, std::size_t count, int& value)
{
  if (pos + count > text.size()) {
    return false;
  }
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool
expect(std::string_view text, std::size_t& pos, char c)
{
  if (pos >= text.size() || text[pos] != c) {
    return false;
  }
  ++pos;
  return true;
}

// An RFC 3339 time (or a date alone, as midnight UTC), or nullopt.
std::optional<std::int64_t>
parse_rfc3339(std::string_view text)
{
  using namespace std::chrono;
  std::size_t pos = 0;
  int y = 0;
  int mo = 0;
  int d = 0;
  if (!digits(text, pos, 4, y) || !expect(text, pos, '-')
      || !digits(text, pos, 2, mo) || !expect(text, pos, '-')
      || !digits(text, pos, 2, d)) {
    return std::nullopt;
  }
  const year_month_day date{ year{ y }, month{ static_cast<unsigned>(mo) },
                             day{ static_cast<unsigned>(d) } };
  if (!date.ok()) {
    return std::nullopt;
  }
  std::int64_t ms =
    duration_cast<milliseconds>(sys_days{ date }.time_since_epoch()).count();
  if (pos == text.size()) {
    return ms;
  }
  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
    return std::nullopt;
  }
  ++pos;
  int h = 0;
  int mi = 0;
  int s = 0;
  if (!digits(text, pos, 2, h) || !expect(text, pos, ':')
      || !digits(text, pos, 2, mi) || !expect(text, pos, ':')
      || !digits(text, pos, 2, s) || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  ms += ((h * 60LL + mi) * 60 + s) * 1000;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t scale = 100;
    const auto start = pos;
    while (pos < text.size()
           && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      ms += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) {
      return std::nullopt;
    }
  }
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    return pos + 1 == text.size() ? std::optional(ms) : std::nullopt;
  }
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) {
    return std::nullopt;
  }
  const int sign = text[pos] == '+' ? 1 : -1;
  ++pos;
  int oh = 0;
  int om = 0;
  if (!digits(text, pos, 2, oh) || !expect(text, pos, ':')
      || !digits(text, pos, 2, om) || pos != text.size() || oh > 23
      || om > 59) {
    return std::nullopt;
  }
  return ms - sign * (oh * 60LL + om) * 60 * 1000;
}

} // namespace

std::int64_t
AccountingRecord::duration_ms() const
{
  return std::max<std::int64_t>(0, ended_ms - started_ms);
}

std::string_view
to_string(AccountingGroupBy by)
{
  return k_group_names[static_cast<std::size_t>(by)];
}

Result<AccountingGroupBy>
parse_accounting_group_by(std::string_view text, std::string_view field)
{
  for (std::size_t i = 0; i < k_group_names.size(); ++i) {
    if (k_group_names[i] == text) {
      return static_cast<AccountingGroupBy>(i);
    }
  }
  return fail(ErrorCode::invalid_argument,
              std::string(field) + " \"" + std::string(text)
                + "\": expected project, workflow, action, site or pool"
                + did_you_mean(text, k_group_names));
}

void
AccountingTotals::add(const AccountingRecord& record)
{
  const double seconds = static_cast<double>(record.duration_ms()) / 1000.0;
  ++executions;
  cpu_seconds += record.allocated_cpu * seconds;
  gb_seconds +=
    static_cast<double>(record.allocated_memory_bytes) / k_bytes_per_gb * seconds;
  gpu_seconds += static_cast<double>(record.allocated_gpu) * seconds;
  duration_seconds += seconds;
}

std::string
AccountingGroup::key() const
{
  if (!site.empty()) {
    return node_pool.empty() ? site : site + "/" + node_pool;
  }
  if (!workflow_id.empty()) {
    return project + "/" + workflow_id;
  }
  if (!action_id.empty() || !action_version.empty()) {
    return project + "/" + action_id + ":" + action_version;
  }
  return project;
}

AccountingGroup
group_of(const AccountingRecord& record, AccountingGroupBy by)
{
  AccountingGroup group;
  switch (by) {
  case AccountingGroupBy::project:
    group.project = record.project;
    break;
  case AccountingGroupBy::workflow:
    group.project = record.project;
    group.workflow_id = record.workflow_id;
    break;
  case AccountingGroupBy::action:
    group.project = record.project;
    group.action_id = record.action_id;
    group.action_version = record.action_version;
    break;
  case AccountingGroupBy::site:
    group.site = record.site;
    break;
  case AccountingGroupBy::pool:
    group.site = record.site;
    group.node_pool = record.node_pool;
    break;
  }
  return group;
}

Result<std::int64_t>
parse_time_bound(std::string_view text,
                 std::string_view field,
                 std::int64_t now_ms)
{
  const auto refuse = [&] {
    return fail(ErrorCode::invalid_argument,
                std::string(field) + " \"" + std::string(text)
                  + "\": expected an RFC 3339 time "
                    "(2026-11-30T08:00:00Z), a date (2026-11-30) or a "
                    "duration before now (7d, 24h, 30m)");
  };
  if (text.empty() || text.size() > 64) {
    return refuse();
  }
  std::optional<std::int64_t> at;
  if (text.size() >= 10 && text[4] == '-') {
    at = parse_rfc3339(text);
  } else if (auto seconds = parse_duration_seconds(text);
             seconds && *seconds <= k_max_time_bound_ms / 1000) {
    at = now_ms - *seconds * 1000;
  }
  if (!at || *at < now_ms - k_max_time_bound_ms
      || *at > now_ms + k_max_time_bound_ms) {
    return refuse();
  }
  return *at;
}

} // namespace ryax::domain
