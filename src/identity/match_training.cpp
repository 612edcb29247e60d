#include "identity/match_training.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace seam::identity {
namespace {

using Levels = std::array<int8_t, kMatchFieldCount>;
using MTable = std::array<std::vector<double>, kMatchFieldCount>;

std::size_t Index(MatchField f) { return static_cast<std::size_t>(f); }

// splitmix64: a counter-based hash, so the sample is a pure function of the
// seed and the number of records.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

Levels LevelsOf(const ComparisonVector& c) {
  Levels l{};
  for (std::size_t i = 0; i < kMatchFieldCount; ++i) l[i] = c[i].level;
  return l;
}

// The values a record holds for a term-frequency field.
std::vector<std::string> ValuesOf(const PreparedPerson& p, MatchField f) {
  switch (f) {
    case MatchField::kFirstName: return p.first.empty() ? std::vector<std::string>{} : std::vector{p.first.key};
    case MatchField::kLastName: return p.last.empty() ? std::vector<std::string>{} : std::vector{p.last.key};
    case MatchField::kBirthDate: return p.birth_date.empty() ? std::vector<std::string>{} : std::vector{p.birth_date};
    case MatchField::kPostalCode:
      return p.postal_code.empty() ? std::vector<std::string>{} : std::vector{p.postal_code};
    case MatchField::kAddress: return p.address_key.empty() ? std::vector<std::string>{} : std::vector{p.address_key};
    case MatchField::kCity: return p.city.empty() ? std::vector<std::string>{} : std::vector{p.city};
    case MatchField::kPhone: return p.phones;
    case MatchField::kEmail: return p.emails;
    case MatchField::kNameSuffix:
    case MatchField::kGender: return {};
  }
  return {};
}

void BuildTermFrequencies(const std::vector<PreparedPerson>& people, const TrainOptions& options, MatchModel& model) {
  for (MatchField f : options.tf_fields) {
    std::map<std::string, std::size_t, std::less<>> counts;
    std::size_t holders = 0;
    for (const auto& p : people) {
      const std::vector<std::string> values = ValuesOf(p, f);
      if (values.empty()) continue;
      ++holders;
      for (const auto& v : values) ++counts[v];
    }
    FieldParams& params = model.fields[Index(f)];
    params.tf.clear();
    if (holders == 0) continue;
    const double n = static_cast<double>(holders);
    for (const auto& [value, count] : counts)
      if (count >= options.tf_min_count) params.tf.emplace(value, static_cast<double>(count) / n);
    params.tf_unknown = 1.0 / n;
  }
}

// Level shares among random pairs, per field (null excluded). Random pairs
// are a mixture: share = λ m + (1 - λ) u.
using Shares = std::array<std::vector<double>, kMatchFieldCount>;

Shares EstimateU(const std::vector<PreparedPerson>& people, const TrainOptions& options, MatchModel& model,
                 TrainingReport& report) {
  Shares shares;
  std::array<std::vector<double>, kMatchFieldCount> counts;
  for (std::size_t f = 0; f < kMatchFieldCount; ++f)
    counts[f].assign(model.fields[f].levels.size(), 0.0);
  auto add = [&](std::size_t i, std::size_t j) {
    const ComparisonVector c = CompareFields(people[i], people[j]);
    for (std::size_t f = 0; f < kMatchFieldCount; ++f)
      if (c[f].level != kNull) counts[f][static_cast<std::size_t>(c[f].level)] += 1;
    ++report.u_pairs;
  };
  const std::size_t n = people.size();
  if (n < 2) return shares;
  const uint64_t all_pairs = static_cast<uint64_t>(n) * (n - 1) / 2;
  if (all_pairs <= options.u_sample_pairs) {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) add(i, j);
  } else {
    for (uint64_t k = 0; k < options.u_sample_pairs; ++k) {
      const uint64_t h = Mix(options.sample_seed ^ Mix(k));
      const std::size_t i = static_cast<std::size_t>(h % n);
      const std::size_t j = static_cast<std::size_t>(Mix(h) % n);
      if (i != j) add(std::min(i, j), std::max(i, j));
    }
  }
  for (std::size_t f = 0; f < kMatchFieldCount; ++f) {
    double total = 0;
    for (double c : counts[f]) total += c;
    auto& levels = model.fields[f].levels;
    for (std::size_t l = 0; l < levels.size(); ++l) {
      const double prior_u = levels[l].u;
      levels[l].u = std::clamp((counts[f][l] + options.u_pseudo_count * prior_u) / (total + options.u_pseudo_count),
                               1e-9, 1.0);
      shares[f].push_back(levels[l].u);
    }
  }
  return shares;
}

// Takes the matches out of the random-pair shares: u = (share - λ m) / (1 - λ).
// In a small or duplicate-rich set the matches among random pairs are what
// makes an exact birth date look common; never more than a factor 10 down.
void RemoveMatchesFromU(const Shares& shares, MatchModel& model) {
  const double lambda = model.prior;
  for (std::size_t f = 0; f < kMatchFieldCount; ++f) {
    auto& levels = model.fields[f].levels;
    if (shares[f].size() != levels.size()) continue;
    double sum = 0;
    for (std::size_t l = 0; l < levels.size(); ++l) {
      const double observed = shares[f][l];
      levels[l].u = std::clamp((observed - lambda * levels[l].m) / (1.0 - lambda), observed / 10.0, 1.0);
      sum += levels[l].u;
    }
    for (auto& level : levels) level.u = std::clamp(level.u / sum, 1e-9, 1.0);
  }
}

// The E-step's evidence follows the same dependence rule as scoring: with
// the household pattern, household fields count once. Without it EM finds
// households, not persons, as its latent class (the Korean synthetic set:
// every pair of one apartment came out a "match").
double LogLikelihoodRatio(const Levels& l, const MTable& m, const MatchModel& model, const std::vector<bool>& active) {
  const bool household = model.household_rule &&
                         HouseholdPattern(l[static_cast<std::size_t>(MatchField::kFirstName)],
                                          l[static_cast<std::size_t>(MatchField::kBirthDate)],
                                          l[static_cast<std::size_t>(MatchField::kGender)]);
  double sum = 0, household_sum = 0, household_max = 0;
  for (std::size_t f = 0; f < kMatchFieldCount; ++f) {
    if (!active[f] || l[f] == kNull) continue;
    const auto level = static_cast<std::size_t>(l[f]);
    const double w = std::log(m[f][level]) - std::log(model.fields[f].levels[level].u);
    sum += w;
    if (household && w > 0 && IsHouseholdField(static_cast<MatchField>(f))) {
      household_sum += w;
      household_max = std::max(household_max, w);
    }
  }
  return sum - (household_sum - household_max);
}

struct EmResult {
  MTable m;
  std::array<double, kMatchFieldCount> evidence{};  // expected matches holding the field
  double lambda = 0;
  int iterations = 0;
};

// EM over `pairs` with u fixed: estimates λ and, for active fields, m.
EmResult RunEm(const std::vector<Levels>& pairs, const MatchModel& model, const std::vector<bool>& active,
               const MTable& start_m, bool estimate_m, const TrainOptions& options) {
  EmResult r;
  r.m = start_m;
  r.lambda = 0.3;
  for (r.iterations = 1; r.iterations <= options.max_iterations; ++r.iterations) {
    MTable sums;
    for (std::size_t f = 0; f < kMatchFieldCount; ++f) sums[f].assign(r.m[f].size(), 0.0);
    std::array<double, kMatchFieldCount> den{};
    double sum_p = 0;
    const double log_prior = std::log(r.lambda) - std::log1p(-r.lambda);
    for (const Levels& l : pairs) {
      const double p = 1.0 / (1.0 + std::exp(-(log_prior + LogLikelihoodRatio(l, r.m, model, active))));
      sum_p += p;
      for (std::size_t f = 0; f < kMatchFieldCount; ++f) {
        if (!active[f] || l[f] == kNull) continue;
        sums[f][static_cast<std::size_t>(l[f])] += p;
        den[f] += p;
      }
    }
    double delta = 0;
    const double lambda = std::clamp(sum_p / static_cast<double>(pairs.size()), 1e-9, 1.0 - 1e-9);
    delta = std::max(delta, std::abs(lambda - r.lambda));
    r.lambda = lambda;
    if (estimate_m) {
      for (std::size_t f = 0; f < kMatchFieldCount; ++f) {
        if (!active[f]) continue;
        for (std::size_t level = 0; level < r.m[f].size(); ++level) {
          const double m = std::clamp((sums[f][level] + options.m_pseudo_count * start_m[f][level]) /
                                          (den[f] + options.m_pseudo_count),
                                      1e-9, 1.0);
          delta = std::max(delta, std::abs(m - r.m[f][level]));
          r.m[f][level] = m;
        }
        r.evidence[f] = den[f];
      }
    }
    if (delta < options.tolerance) break;
  }
  r.iterations = std::min(r.iterations, options.max_iterations);
  return r;
}

MTable MOf(const MatchModel& model) {
  MTable m;
  for (std::size_t f = 0; f < kMatchFieldCount; ++f)
    for (const auto& l : model.fields[f].levels) m[f].push_back(l.m);
  return m;
}

std::vector<Levels> Compare(const std::vector<PreparedPerson>& people,
                            const std::vector<std::pair<uint32_t, uint32_t>>& pairs) {
  std::vector<Levels> out;
  out.reserve(pairs.size());
  for (const auto& [i, j] : pairs) out.push_back(LevelsOf(CompareFields(people[i], people[j])));
  return out;
}

}  // namespace

MatchModel Train(const std::vector<PersonAttributes>& entities, const MatchModel& start, const TrainOptions& options,
                 TrainingReport* report_out) {
  TrainingReport report;
  MatchModel model = start;
  std::vector<PreparedPerson> people;
  people.reserve(entities.size());
  for (const auto& e : entities) people.push_back(Prepare(e));

  BuildTermFrequencies(people, options, model);
  const Shares random_shares = EstimateU(people, options, model, report);

  std::vector<std::string_view> families = options.em_families;
  if (families.empty()) families = DefaultBlockingFamilies();
  std::vector<std::vector<std::string>> keys;
  keys.reserve(people.size());
  for (const auto& p : people) keys.push_back(BlockingKeys(p, families));

  // One EM run per family; a field's m is the mean of the runs that could
  // estimate it (those not blocking on it, with enough expected matches).
  const MTable start_m = MOf(start);
  MTable m_sum;
  std::array<int, kMatchFieldCount> m_runs{};
  for (std::size_t f = 0; f < kMatchFieldCount; ++f) m_sum[f].assign(start_m[f].size(), 0.0);
  for (std::string_view family : families) {
    const BlockingFamily* def = FindBlockingFamily(family);
    if (def == nullptr) continue;
    // One family alone: each of its blocks within the cap draws its pairs
    // (a record has one key per family, so two shared keys never happen).
    const auto pairs = CandidatePairs(keys, BlockRule::SingleCap(options.max_block_size), family);
    if (pairs.size() < options.min_em_pairs) continue;
    std::vector<bool> active(kMatchFieldCount, true);
    for (MatchField f : def->fields) active[Index(f)] = false;
    const EmResult r = RunEm(Compare(people, pairs), model, active, start_m, true, options);
    report.runs.push_back({std::string(family), pairs.size(), r.iterations, r.lambda});
    for (std::size_t f = 0; f < kMatchFieldCount; ++f) {
      if (!active[f] || r.evidence[f] < 10.0) continue;
      for (std::size_t l = 0; l < m_sum[f].size(); ++l) m_sum[f][l] += r.m[f][l];
      ++m_runs[f];
    }
  }
  for (std::size_t f = 0; f < kMatchFieldCount; ++f) {
    if (m_runs[f] == 0) continue;
    for (std::size_t l = 0; l < m_sum[f].size(); ++l)
      model.fields[f].levels[l].m = std::clamp(m_sum[f][l] / m_runs[f], 1e-9, 1.0);
  }

  if (options.estimate_prior && people.size() >= 2) {
    const auto pairs = CandidatePairs(keys, BlockRule{options.max_block_size, options.solo_block_size});
    if (!pairs.empty()) {
      const std::vector<bool> all(kMatchFieldCount, true);
      const EmResult r = RunEm(Compare(people, pairs), model, all, MOf(model), false, options);
      report.expected_matches = r.lambda * static_cast<double>(pairs.size());
      const double n = static_cast<double>(people.size());
      model.prior = std::clamp(report.expected_matches / (n * (n - 1) / 2), 1e-9, 0.5);
    }
  }
  if (options.remove_matches_from_u) RemoveMatchesFromU(random_shares, model);
  model.version = model.ContentVersion();
  if (report_out) *report_out = std::move(report);
  return model;
}

}  // namespace seam::identity
