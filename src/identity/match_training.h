// Estimating a match model from data: term-frequency tables, u from random
// pairs, m by expectation-maximisation over the pairs the blocking keys draw,
// the prior from the expected number of matches. Deterministic: fixed
// iteration cap and tolerance, sampling by a counter-based hash, every loop in
// a fixed order. The same entities and options always give the same model,
// and the same version string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "identity/blocking.h"
#include "identity/match_model.h"
#include "identity/person.h"

namespace seam::identity {

struct TrainOptions {
  // Which pairs the blocks draw (as in the server: blocking.h).
  std::size_t max_block_size = kMaxBlockSize;
  std::size_t solo_block_size = kSoloBlockSize;
  // Families whose pairs feed EM, one EM run each (Splink-style: the fields
  // a family is built from are left out of its run, since they agree there
  // by construction). Empty: DefaultBlockingFamilies().
  std::vector<std::string_view> em_families;
  // Random pairs drawn for u; with fewer possible pairs, all are used.
  std::size_t u_sample_pairs = 2'000'000;
  uint64_t sample_seed = 0x5EA4'0001;
  int max_iterations = 40;
  double tolerance = 1e-5;
  // Pseudo-counts pulling estimates towards the start model, so a level seen
  // a handful of times (or never) keeps a sane value.
  double m_pseudo_count = 100;
  double u_pseudo_count = 20;
  // A family drawing fewer pairs than this is too small for EM.
  std::size_t min_em_pairs = 50;
  // Values seen at least this often enter the term-frequency tables; the
  // rest count as tf_unknown = 1 / (records holding the field).
  std::size_t tf_min_count = 2;
  // Fields that get term-frequency tables.
  std::vector<MatchField> tf_fields = {MatchField::kFirstName, MatchField::kLastName, MatchField::kBirthDate,
                                       MatchField::kPostalCode, MatchField::kCity,     MatchField::kAddress,
                                       MatchField::kEmail,      MatchField::kPhone};
  // Estimate the prior λ from the data (else keep the start model's).
  bool estimate_prior = true;
  // Random pairs include the true matches among them; once λ and m are
  // known, take them out of u (u = (share - λ m) / (1 - λ)).
  bool remove_matches_from_u = true;
};

struct TrainingReport {
  struct FamilyRun {
    std::string family;
    std::size_t pairs = 0;
    int iterations = 0;
    double match_share = 0;  // λ among this family's pairs
  };
  std::vector<FamilyRun> runs;
  std::size_t u_pairs = 0;
  double expected_matches = 0;  // among all candidate pairs
};

// REQUIRES: entities normalised (NormalizePerson).
MatchModel Train(const std::vector<PersonAttributes>& entities, const MatchModel& start,
                 const TrainOptions& options = {}, TrainingReport* report = nullptr);

}  // namespace seam::identity
