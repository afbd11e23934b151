#include "core/domain/slurm.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace ryax::domain {

namespace {

// Long options ryax sets itself, or that would break how it follows a job.
constexpr std::string_view k_reserved_long[] = {
  "output", "error", "chdir", "job-name", "wrap",      "parsable",
  "wait",   "array", "hold",  "test-only", "open-mode", "input",
};
// Their short spellings.
constexpr std::string_view k_reserved_short = "oeDJaHi";

bool
is_plain_value_char(char c)
{
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u) != 0) {
    return true;
  }
  return std::string_view("_-.,:/=+@%^~[]").find(c) != std::string_view::npos;
}

Result<void>
check_value(std::string_view value, std::string_view option)
{
  if (value.empty()) {
    return fail(ErrorCode::invalid_argument,
                "sbatch option \"" + std::string(option) + "\" has an empty value");
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    const auto inner = value.substr(1, value.size() - 2);
    for (const char c : inner) {
      if (c == '"' || c == '\\' || c == '$' || c == '`') {
        return fail(ErrorCode::invalid_argument,
                    "sbatch option \"" + std::string(option)
                      + "\": a quoted value may not hold '\"', '\\', '$' or '`'");
      }
    }
    return {};
  }
  for (const char c : value) {
    if (!is_plain_value_char(c)) {
      return fail(ErrorCode::invalid_argument,
                  "sbatch option \"" + std::string(option)
                    + "\": the character '" + std::string(1, c)
                    + "' must be inside a double-quoted value");
    }
  }
  return {};
}

bool
is_name_char(char c)
{
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '-';
}

std::string
reserved_message(std::string_view option)
{
  return "sbatch option \"" + std::string(option)
         + "\" is set by ryax (output, error, chdir, job-name, wrap, "
           "parsable, wait, array, hold, test-only, open-mode and input may "
           "not be given)";
}

} // namespace

Result<void>
check_sbatch_option(std::string_view option)
{
  const std::string shown(option.substr(0, 64));
  if (option.size() > k_max_sbatch_option_bytes) {
    return fail(ErrorCode::invalid_argument,
                "sbatch option \"" + shown + "...\" is longer than "
                  + std::to_string(k_max_sbatch_option_bytes) + " bytes");
  }
  for (const char c : option) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return fail(ErrorCode::invalid_argument,
                  "sbatch option \"" + shown
                    + "\" holds a control character (one #SBATCH line each)");
    }
  }
  if (option.starts_with("--")) {
    const auto eq = option.find('=');
    const auto name = option.substr(2, eq == std::string_view::npos
                                         ? std::string_view::npos
                                         : eq - 2);
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)
        || std::isalpha(static_cast<unsigned char>(name.front())) == 0) {
      return fail(ErrorCode::invalid_argument,
                  "sbatch option \"" + shown
                    + "\" is not \"--name\" or \"--name=value\"");
    }
    if (std::find(std::begin(k_reserved_long), std::end(k_reserved_long), name)
        != std::end(k_reserved_long)) {
      return fail(ErrorCode::invalid_argument, reserved_message(option));
    }
    if (eq != std::string_view::npos) {
      return check_value(option.substr(eq + 1), option);
    }
    return {};
  }
  if (option.size() >= 2 && option[0] == '-'
      && std::isalpha(static_cast<unsigned char>(option[1])) != 0) {
    if (k_reserved_short.find(option[1]) != std::string_view::npos) {
      return fail(ErrorCode::invalid_argument, reserved_message(option));
    }
    if (option.size() == 2) {
      return {};
    }
    if (option[2] != ' ') {
      return fail(ErrorCode::invalid_argument,
                  "sbatch option \"" + shown
                    + "\" is not \"-X\" or \"-X value\"");
    }
    return check_value(option.substr(3), option);
  }
  return fail(ErrorCode::invalid_argument,
              "sbatch option \"" + shown
                + "\" does not start with \"--\" or \"-\" and a letter");
}

Result<void>
check_hpc_addon(const HpcAddon& addon)
{
  if (addon.sbatch_options.size() > k_max_sbatch_options) {
    return fail(ErrorCode::invalid_argument,
                "at most " + std::to_string(k_max_sbatch_options)
                  + " sbatch options, got "
                  + std::to_string(addon.sbatch_options.size()));
  }
  for (const auto& option : addon.sbatch_options) {
    RYAX_TRY(check_sbatch_option(option));
  }
  if (addon.custom_script.size() > k_max_custom_script_bytes) {
    return fail(ErrorCode::invalid_argument,
                "custom_script is longer than "
                  + std::to_string(k_max_custom_script_bytes) + " bytes");
  }
  if (addon.custom_script.find('\0') != std::string::npos) {
    return fail(ErrorCode::invalid_argument,
                "custom_script holds a NUL character");
  }
  return {};
}

std::string
slurm_time(std::int64_t seconds)
{
  seconds = std::max<std::int64_t>(seconds, 1);
  std::array<char, 48> text{};
  std::snprintf(text.data(), text.size(), "%lld-%02lld:%02lld:%02lld",
                static_cast<long long>(seconds / 86400),
                static_cast<long long>(seconds / 3600 % 24),
                static_cast<long long>(seconds / 60 % 60),
                static_cast<long long>(seconds % 60));
  return text.data();
}

std::string
sbatch_script(const SlurmJobRequest& request)
{
  std::string script = "#!/bin/sh\n";
  const auto line = [&](const std::string& option) {
    script += "#SBATCH " + option + "\n";
  };
  line("--job-name=" + request.job_name);
  if (!request.partition.empty()) {
    line("--partition=" + request.partition);
  }
  line("--cpus-per-task=" + std::to_string(std::max(request.cpus_per_task, 1)));
  if (request.memory_bytes > 0) {
    constexpr std::int64_t k_mib = 1024 * 1024;
    line("--mem=" + std::to_string((request.memory_bytes + k_mib - 1) / k_mib)
         + "M");
  }
  if (request.time_seconds) {
    line("--time=" + slurm_time(*request.time_seconds));
  }
  if (request.gpu > 0) {
    line("--gres=gpu:" + std::to_string(request.gpu));
  }
  line("--output=" + request.output_file);
  line("--open-mode=append");
  for (const auto& option : request.extra_options) {
    line(option);
  }
  script += "\n";
  script += request.body;
  if (!script.ends_with('\n')) {
    script += '\n';
  }
  return script;
}

SlurmJobState
parse_slurm_state(std::string_view text)
{
  const auto space = text.find(' ');
  const auto word = text.substr(0, space);
  struct Name
  {
    std::string_view text;
    SlurmJobState state;
  };
  static constexpr Name k_names[] = {
    { "PENDING", SlurmJobState::pending },
    { "REQUEUED", SlurmJobState::pending },
    { "REQUEUE_FED", SlurmJobState::pending },
    { "REQUEUE_HOLD", SlurmJobState::pending },
    { "CONFIGURING", SlurmJobState::pending },
    { "SUSPENDED", SlurmJobState::pending },
    { "RESV_DEL_HOLD", SlurmJobState::pending },
    { "RESIZING", SlurmJobState::running },
    { "RUNNING", SlurmJobState::running },
    { "COMPLETING", SlurmJobState::running },
    { "STAGE_OUT", SlurmJobState::running },
    { "SIGNALING", SlurmJobState::running },
    { "STOPPED", SlurmJobState::running },
    { "COMPLETED", SlurmJobState::completed },
    { "FAILED", SlurmJobState::failed },
    { "BOOT_FAIL", SlurmJobState::failed },
    { "DEADLINE", SlurmJobState::failed },
    { "SPECIAL_EXIT", SlurmJobState::failed },
    { "CANCELLED", SlurmJobState::cancelled },
    { "REVOKED", SlurmJobState::cancelled },
    { "TIMEOUT", SlurmJobState::timeout },
    { "OUT_OF_MEMORY", SlurmJobState::out_of_memory },
    { "NODE_FAIL", SlurmJobState::node_fail },
    { "PREEMPTED", SlurmJobState::preempted },
  };
  for (const auto& name : k_names) {
    if (name.text == word) {
      return name.state;
    }
  }
  return SlurmJobState::unknown;
}

bool
is_final(SlurmJobState state)
{
  return state != SlurmJobState::pending && state != SlurmJobState::running
         && state != SlurmJobState::unknown;
}

std::vector<SlurmJobLine>
parse_squeue(std::string_view text)
{
  std::vector<SlurmJobLine> jobs;
  while (!text.empty()) {
    const auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{}
                                         : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    const auto first = line.find('|');
    const auto second =
      first == std::string_view::npos ? first : line.find('|', first + 1);
    if (second == std::string_view::npos || first == 0) {
      continue;
    }
    SlurmJobLine job;
    job.job_id = std::string(line.substr(0, first));
    job.state_text = std::string(line.substr(first + 1, second - first - 1));
    job.state = parse_slurm_state(job.state_text);
    job.reason = std::string(line.substr(second + 1));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

SlurmFailure
slurm_failure(const std::string& job_id,
              SlurmJobState state,
              std::string_view state_text,
              std::string_view reason)
{
  std::string why = "Slurm job " + job_id + " ended " + std::string(state_text);
  if (!reason.empty() && reason != "None") {
    why += " (" + std::string(reason) + ")";
  }
  switch (state) {
    case SlurmJobState::timeout:
      return { "timeout", why + ": over its time limit" };
    case SlurmJobState::out_of_memory:
      return { "memory_limit_exceeded", why + ": over its memory limit" };
    case SlurmJobState::cancelled:
      return { "cancelled", why };
    case SlurmJobState::node_fail:
      return { "runtime_crashed", why + ": its node failed" };
    default:
      return { "runtime_crashed", why + " without a result" };
  }
}

Result<void>
check_trigger_site(std::span<const Site> sites, const Constraints& constraints)
{
  if (constraints.site_type == k_slurm_site_type) {
    return fail(ErrorCode::failed_precondition,
                "a trigger never runs on a Slurm site (constraints.site_type "
                "is SLURM_SSH): triggers run on the daemon");
  }
  for (const auto& site : sites) {
    if (site.name == constraints.site && site.type == k_slurm_site_type) {
      return fail(ErrorCode::failed_precondition,
                  "a trigger never runs on a Slurm site (constraints.site \""
                    + site.name + "\" is SLURM_SSH): triggers run on the "
                                  "daemon");
    }
  }
  return {};
}

std::string
shell_quote(std::string_view text)
{
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string
execution_slot(std::string_view execution_id)
{
  const auto dot = execution_id.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == execution_id.size()) {
    return std::string(execution_id);
  }
  const auto suffix = execution_id.substr(dot + 1);
  if (!std::all_of(suffix.begin(), suffix.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
      })) {
    return std::string(execution_id);
  }
  return std::string(execution_id.substr(0, dot));
}

} // namespace ryax::domain
