#include "seam/metrics.h"

#include <array>
#include <sstream>

namespace seam {
namespace {
constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,    10};
constexpr const char* kLatency = "seam_http_request_duration_seconds";

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string WithLabel(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return "{" + extra + "}";
  return labels.substr(0, labels.size() - 1) + "," + extra + "}";
}
}  // namespace

std::string Labels(std::initializer_list<std::pair<std::string, std::string>> kv) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : kv) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + Escape(v) + "\"";
  }
  return out + "}";
}

std::atomic<uint64_t>& Metrics::Counter(const std::string& name, const std::string& labels) {
  std::lock_guard lock(mu_);
  auto& slot = counters_[name][labels];
  if (!slot) slot = std::make_unique<std::atomic<uint64_t>>(0);
  return *slot;
}

void Metrics::ObserveLatency(const std::string& labels, double seconds) {
  std::lock_guard lock(mu_);
  auto& h = latency_[labels];
  if (h.buckets.empty()) h.buckets.assign(kBounds.size(), 0);
  for (std::size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) h.buckets[i] += 1;
  h.count += 1;
  h.sum += seconds;
}

void Metrics::Gauge(const std::string& name, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_[name] = std::move(read);
}

void Metrics::Describe(const std::string& name, const std::string& help, const std::string& type) {
  std::lock_guard lock(mu_);
  help_[name] = {help, type};
}

std::string Metrics::RenderPrometheus() {
  std::ostringstream out;
  std::map<std::string, std::function<double()>> gauges;
  std::map<std::string, std::pair<std::string, std::string>> help;
  {
    std::lock_guard lock(mu_);
    auto header = [&](const std::string& name, const char* fallback_type) {
      auto it = help_.find(name);
      if (it != help_.end()) out << "# HELP " << name << ' ' << it->second.first << '\n';
      out << "# TYPE " << name << ' ' << (it != help_.end() ? it->second.second : fallback_type) << '\n';
    };
    for (const auto& [name, series] : counters_) {
      header(name, "counter");
      for (const auto& [labels, value] : series) out << name << labels << ' ' << value->load() << '\n';
    }
    if (!latency_.empty()) {
      header(kLatency, "histogram");
      for (const auto& [labels, h] : latency_) {
        for (std::size_t i = 0; i < kBounds.size(); ++i) {
          std::ostringstream le;
          le << "le=\"" << kBounds[i] << "\"";
          out << kLatency << "_bucket" << WithLabel(labels, le.str()) << ' ' << h.buckets[i] << '\n';
        }
        out << kLatency << "_bucket" << WithLabel(labels, "le=\"+Inf\"") << ' ' << h.count << '\n';
        out << kLatency << "_sum" << labels << ' ' << h.sum << '\n';
        out << kLatency << "_count" << labels << ' ' << h.count << '\n';
      }
    }
    gauges = gauges_;
    help = help_;
  }
  // Gauges are read outside the lock: they may call into the store.
  for (const auto& [name, read] : gauges) {
    auto it = help.find(name);
    if (it != help.end()) out << "# HELP " << name << ' ' << it->second.first << '\n';
    out << "# TYPE " << name << " gauge\n" << name << ' ' << read() << '\n';
  }
  return out.str();
}

}  // namespace seam
