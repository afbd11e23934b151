#pragma once

#include <cstddef>
#include <string>
#include <vector>

// The `hpc` add-on of a workflow step (its rules: core/domain/slurm.hpp).
namespace ryax::domain {

// Limits of the `hpc` add-on.
inline constexpr std::size_t k_max_sbatch_options = 32;
inline constexpr std::size_t k_max_sbatch_option_bytes = 256;
inline constexpr std::size_t k_max_custom_script_bytes = 64 * 1024;

// What a workflow step's `addons: {hpc: ...}` sets.
struct HpcAddon
{
  // Extra sbatch header options, one "#SBATCH" line each, after those
  // ryax writes (so they win): "--exclusive", "--nice=10", "-N 1".
  std::vector<std::string> sbatch_options;
  // A shell script run on the cluster instead of the action's handler:
  // inputs as environment variables, outputs read back from the variables
  // it exports. "" for the handler.
  std::string custom_script;

  bool operator==(const HpcAddon&) const = default;
  bool empty() const { return sbatch_options.empty() && custom_script.empty(); }
};

} // namespace ryax::domain
