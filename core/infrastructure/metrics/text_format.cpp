#include "core/infrastructure/metrics/text_format.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

namespace ryax::infra::metrics {

namespace {

void
number(std::string& out, double value)
{
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

// `text` escaped: backslash and newline always, the double quote in label
// values.
void
escaped(std::string& out, const std::string& text, bool quote)
{
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// NAME{labels[,le="BOUND"]} VALUE
void
line(std::string& out,
     const std::string& name,
     std::string_view suffix,
     const std::vector<prometheus::ClientMetric::Label>& labels,
     const double* le,
     double value)
{
  out += name;
  out += suffix;
  if (!labels.empty() || le != nullptr) {
    out += '{';
    bool first = true;
    for (const auto& label : labels) {
      if (!first) {
        out += ',';
      }
      first = false;
      out += label.name;
      out += "=\"";
      escaped(out, label.value, true);
      out += '"';
    }
    if (le != nullptr) {
      out += first ? "le=\"" : ",le=\"";
      number(out, *le);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  number(out, value);
  out += '\n';
}

std::string_view
type_name(prometheus::MetricType type)
{
  switch (type) {
  case prometheus::MetricType::Counter:
    return "counter";
  case prometheus::MetricType::Gauge:
    return "gauge";
  case prometheus::MetricType::Summary:
    return "summary";
  case prometheus::MetricType::Histogram:
    return "histogram";
  case prometheus::MetricType::Untyped:
    break;
  }
  return "untyped";
}

} // namespace

void
write_text(std::string& out,
           const std::vector<prometheus::MetricFamily>& families)
{
  for (const auto& family : families) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    escaped(out, family.help, false);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += type_name(family.type);
    out += '\n';
    for (const auto& metric : family.metric) {
      switch (family.type) {
      case prometheus::MetricType::Counter:
        line(out, family.name, "", metric.label, nullptr, metric.counter.value);
        break;
      case prometheus::MetricType::Gauge:
        line(out, family.name, "", metric.label, nullptr, metric.gauge.value);
        break;
      case prometheus::MetricType::Untyped:
        line(out, family.name, "", metric.label, nullptr, metric.untyped.value);
        break;
      case prometheus::MetricType::Summary:
        for (const auto& quantile : metric.summary.quantile) {
          auto labels = metric.label;
          labels.push_back({ "quantile", fmt::format("{}", quantile.quantile) });
          line(out, family.name, "", labels, nullptr, quantile.value);
        }
        line(out, family.name, "_sum", metric.label, nullptr,
             metric.summary.sample_sum);
        line(out, family.name, "_count", metric.label, nullptr,
             static_cast<double>(metric.summary.sample_count));
        break;
      case prometheus::MetricType::Histogram: {
        bool infinite = false;
        for (const auto& bucket : metric.histogram.bucket) {
          infinite = infinite || std::isinf(bucket.upper_bound);
          line(out, family.name, "_bucket", metric.label, &bucket.upper_bound,
               static_cast<double>(bucket.cumulative_count));
        }
        if (!infinite) {
          const double inf = INFINITY;
          line(out, family.name, "_bucket", metric.label, &inf,
               static_cast<double>(metric.histogram.sample_count));
        }
        line(out, family.name, "_sum", metric.label, nullptr,
             metric.histogram.sample_sum);
        line(out, family.name, "_count", metric.label, nullptr,
             static_cast<double>(metric.histogram.sample_count));
        break;
      }
      }
    }
  }
}

} // namespace ryax::infra::metrics
