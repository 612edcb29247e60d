// Accuracy of a clustering against the truth: pairwise precision / recall /
// F1 over the record pairs each implies (a true pair that was never compared
// counts as a miss), and B-cubed (per record, averaged).
#pragma once

#include <cstdint>
#include <vector>

namespace seam::bench {

struct PairCounts {
  uint64_t true_pairs = 0;
  uint64_t predicted_pairs = 0;
  uint64_t correct_pairs = 0;
};

struct Prf {
  double precision = 0, recall = 0, f1 = 0;
};

// `predicted[i]` and `truth[i]` are the cluster ids of record i (any ints).
PairCounts CountPairs(const std::vector<int>& predicted, const std::vector<int>& truth);
Prf PairwiseScores(const PairCounts& counts);
Prf BCubed(const std::vector<int>& predicted, const std::vector<int>& truth);

}  // namespace seam::bench
