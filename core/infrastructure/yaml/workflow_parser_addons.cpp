// WorkflowParser: a step's `addons` (the `hpc` add-on of Slurm sites).

#include "core/infrastructure/yaml/workflow_parser_impl.hpp"

#include "core/domain/slurm.hpp"

namespace ryax::infra::yaml::detail {

namespace {

constexpr std::string_view k_addon_names[] = { "hpc" };
constexpr std::string_view k_hpc_keys[] = { "sbatch_options", "custom_script" };

} // namespace

void
WorkflowParser::parse_addons(const Entry& entry,
                             const std::string& field,
                             domain::HpcAddon& hpc)
{
  if (!m_out.expect_mapping(entry, field)) {
    return;
  }
  const auto addons = entries(entry.value, field, k_addon_names);
  const auto* hpc_entry = find_entry(addons, "hpc");
  if (hpc_entry == nullptr || !m_out.expect_mapping(*hpc_entry, field + ".hpc")) {
    return;
  }
  const auto hpc_field = field + ".hpc";
  for (const auto& [name, item] :
       entries(hpc_entry->value, hpc_field, k_hpc_keys)) {
    const auto item_field = hpc_field + "." + name;
    if (name == "custom_script") {
      if (auto text = m_out.read_string(item, item_field)) {
        hpc.custom_script = std::move(*text);
      }
      continue;
    }
    // sbatch_options: a list of options, or one string of options
    // separated by newlines.
    std::vector<std::pair<std::string, YAML::Mark>> options;
    if (item.value.IsSequence()) {
      for (std::size_t i = 0; i < item.value.size(); ++i) {
        const Entry option{ item.value[i], item.value[i] };
        if (auto text = m_out.read_string(
              option, item_field + "[" + std::to_string(i) + "]")) {
          options.emplace_back(std::move(*text), item.value[i].Mark());
        }
      }
    } else if (item.value.IsScalar()) {
      std::string_view rest = item.value.Scalar();
      while (!rest.empty()) {
        const auto end = rest.find('\n');
        const auto line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{}
                                             : rest.substr(end + 1);
        if (!line.empty()) {
          options.emplace_back(std::string(line), item.value.Mark());
        }
      }
    } else {
      m_out.report(where(item),
                   item_field,
                   "expected a list of sbatch options (\"--exclusive\", "
                   "\"--nice=10\"), got " + describe(item.value));
      continue;
    }
    for (std::size_t i = 0; i < options.size(); ++i) {
      auto& [text, mark] = options[i];
      if (auto checked = domain::check_sbatch_option(text); !checked) {
        m_out.report(mark,
                     item_field + "[" + std::to_string(i) + "]",
                     checked.error().message);
        continue;
      }
      hpc.sbatch_options.push_back(std::move(text));
    }
  }
  if (auto checked = domain::check_hpc_addon(hpc); !checked) {
    m_out.report(where(*hpc_entry), hpc_field, checked.error().message);
  }
}

} // namespace ryax::infra::yaml::detail
