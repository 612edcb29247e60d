#include "metrics.h"

#include <map>
#include <utility>

namespace seam::bench {
namespace {

uint64_t Choose2(uint64_t n) { return n * (n - 1) / 2; }

double F1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

}  // namespace

PairCounts CountPairs(const std::vector<int>& predicted, const std::vector<int>& truth) {
  std::map<int, uint64_t> pred_sizes, truth_sizes;
  std::map<std::pair<int, int>, uint64_t> cells;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    ++pred_sizes[predicted[i]];
    ++truth_sizes[truth[i]];
    ++cells[{predicted[i], truth[i]}];
  }
  PairCounts c;
  for (const auto& [id, n] : pred_sizes) c.predicted_pairs += Choose2(n);
  for (const auto& [id, n] : truth_sizes) c.true_pairs += Choose2(n);
  for (const auto& [ids, n] : cells) c.correct_pairs += Choose2(n);
  return c;
}

Prf PairwiseScores(const PairCounts& c) {
  Prf s;
  s.precision = c.predicted_pairs ? static_cast<double>(c.correct_pairs) / static_cast<double>(c.predicted_pairs) : 1.0;
  s.recall = c.true_pairs ? static_cast<double>(c.correct_pairs) / static_cast<double>(c.true_pairs) : 1.0;
  s.f1 = F1(s.precision, s.recall);
  return s;
}

Prf BCubed(const std::vector<int>& predicted, const std::vector<int>& truth) {
  std::map<int, double> pred_sizes, truth_sizes;
  std::map<std::pair<int, int>, double> cells;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    pred_sizes[predicted[i]] += 1;
    truth_sizes[truth[i]] += 1;
    cells[{predicted[i], truth[i]}] += 1;
  }
  Prf s;
  if (predicted.empty()) return s;
  // Every record of a cell has the same per-record precision and recall.
  for (const auto& [ids, n] : cells) {
    s.precision += n * n / pred_sizes[ids.first];
    s.recall += n * n / truth_sizes[ids.second];
  }
  const double total = static_cast<double>(predicted.size());
  s.precision /= total;
  s.recall /= total;
  s.f1 = F1(s.precision, s.recall);
  return s;
}

}  // namespace seam::bench
