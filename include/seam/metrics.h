// Process metrics in the Prometheus text format (SPEC §1: requests by route
// and status, latency histograms, events ingested, merges, store size).
// Counters are lock-free on the hot path once created.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace seam {

class Metrics {
 public:
  // A counter with fixed label values; the returned reference stays valid.
  std::atomic<uint64_t>& Counter(const std::string& name, const std::string& labels = "");
  void Add(const std::string& name, uint64_t n = 1, const std::string& labels = "") {
    Counter(name, labels).fetch_add(n, std::memory_order_relaxed);
  }
  void ObserveLatency(const std::string& labels, double seconds);
  // A gauge read at render time (e.g. store size).
  void Gauge(const std::string& name, std::function<double()> read);
  // HELP text for a metric family.
  void Describe(const std::string& name, const std::string& help, const std::string& type);

  std::string RenderPrometheus();

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;
    uint64_t count = 0;
    double sum = 0;
  };
  std::mutex mu_;  // guards the maps below (not the atomics they point to)
  std::map<std::string, std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>>> counters_;
  std::map<std::string, Histogram> latency_;  // by labels
  std::map<std::string, std::function<double()>> gauges_;
  std::map<std::string, std::pair<std::string, std::string>> help_;
};

// Label helper: {route="/v1/batch",status="200"} with values escaped.
std::string Labels(std::initializer_list<std::pair<std::string, std::string>> kv);

}  // namespace seam
