// Offline accuracy of probabilistic matching on the labelled datasets.
//
// Per dataset: normalise the raw values (seam::Normalizer with the dataset's
// phone region), build PersonAttributes, draw candidate pairs from the
// blocking keys (blocks over the size cap skipped), score them with the
// default model and with a model trained on the dataset, cluster by admitting
// links above the upper threshold in a canonical order (probability
// descending, then record indexes) with union-find — with and without the
// cluster admission check — and report pairwise and B-cubed accuracy,
// blocking pair recall, candidates per record and time.
//
//   seam_offline_eval [--data DIR] [--datasets a,b] [--families f1,f2]
//                     [--max-block N] [--solo-block N] [--families-report] [--errors N]
//                     [--no-default] [--no-trained] [--upper P] [--lower P]
//                     [--sweep P1,P2,...]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "datasets.h"
#include "identity/blocking.h"
#include "identity/match_model.h"
#include "identity/match_training.h"
#include "identity/person.h"
#include "metrics.h"
#include "seam/normalize.h"

namespace {

using seam::bench::Dataset;
using namespace seam::identity;
using Pair = std::pair<uint32_t, uint32_t>;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    const std::size_t j = s.find(sep, i);
    const std::size_t end = j == std::string::npos ? s.size() : j;
    if (end > i) out.push_back(s.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

constexpr const char* kUsage =
    "seam_offline_eval [--data DIR] [--datasets a,b] [--families f1,f2] [--max-block N] [--solo-block N]\n"
    "                  [--families-report] [--errors N] [--no-default] [--no-trained]\n"
    "                  [--upper P] [--lower P] [--sweep P1,P2,...]\n"
    "  --data DIR         dataset root (default /work/shared/datasets)\n"
    "  --datasets         febrl1 febrl2 febrl3 febrl4 fake_1000 fake_20000 senzing historical_50k\n"
    "  --families         blocking key families (default: DefaultBlockingFamilies())\n"
    "  --max-block N      block size cap (default kMaxBlockSize)\n"
    "  --solo-block N     blocks up to N draw pairs alone, larger ones with a second (default kSoloBlockSize)\n"
    "  --families-report  pair recall and block sizes of every key family\n"
    "  --errors N         print N false links, missed pairs and trained m/u\n"
    "  --upper/--lower P  override the model's thresholds\n"
    "  --sweep P1,...     F1 at other upper thresholds, with and without admission\n";

struct Options {
  std::string data = "/work/shared/datasets";
  std::vector<std::string> datasets;
  std::vector<std::string> families;  // empty: default
  std::size_t max_block = kMaxBlockSize;
  std::size_t solo_block = kSoloBlockSize;
  bool families_report = false;
  int errors = 0;
  bool run_default = true, run_trained = true;
  double upper = -1, lower = -1;
  std::vector<double> sweep;  // upper thresholds to report F1 at
};

RawPerson ToRaw(const seam::bench::DatasetRow& row) {
  RawPerson raw;
  auto one = [&](const char* column) {
    const auto it = row.fields.find(column);
    return it == row.fields.end() || it->second.empty() ? std::string() : it->second.front();
  };
  auto all = [&](const char* column) {
    const auto it = row.fields.find(column);
    return it == row.fields.end() ? std::vector<std::string>{} : it->second;
  };
  raw.name = one("name");
  raw.first_name = one("first_name");
  raw.last_name = one("last_name");
  raw.birth_date = one("birth_date");
  raw.gender = one("gender");
  raw.postal_code = one("postal_code");
  raw.address = one("address");
  raw.city = one("city");
  raw.phones = all("phone");
  raw.emails = all("email");
  return raw;
}

std::vector<Pair> TruePairs(const std::vector<int>& truth) {
  std::map<int, std::vector<uint32_t>> members;
  for (uint32_t i = 0; i < truth.size(); ++i) members[truth[i]].push_back(i);
  std::vector<Pair> pairs;
  for (const auto& [id, m] : members)
    for (std::size_t a = 0; a < m.size(); ++a)
      for (std::size_t b = a + 1; b < m.size(); ++b) pairs.emplace_back(m[a], m[b]);
  return pairs;
}

class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n), members_(n) {
    std::iota(parent_.begin(), parent_.end(), 0u);
    for (uint32_t i = 0; i < n; ++i) members_[i] = {i};
  }
  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  const std::vector<uint32_t>& Members(uint32_t root) const { return members_[root]; }
  void Join(uint32_t a, uint32_t b) {
    a = Find(a), b = Find(b);
    if (a == b) return;
    if (members_[a].size() < members_[b].size()) std::swap(a, b);
    parent_[b] = a;
    members_[a].insert(members_[a].end(), members_[b].begin(), members_[b].end());
    members_[b].clear();
  }

 private:
  std::vector<uint32_t> parent_;
  std::vector<std::vector<uint32_t>> members_;
};

struct Scored {
  Pair pair;
  double total;
  double probability;
};

// The cluster admission check: a link joining two clusters is refused when
// some cross pair of records is a hard contradiction (Contradicts: clearly
// two people). Lack of evidence is no contradiction: a sparse record (a name
// and a city) can still join. Cross pairs are compared on demand and cached.
class Admission {
 public:
  explicit Admission(const std::vector<PreparedPerson>& people) : people_(people) {}
  bool Allows(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
    for (uint32_t x : a)
      for (uint32_t y : b)
        if (Contradiction(x, y)) return false;
    return true;
  }

 private:
  bool Contradiction(uint32_t x, uint32_t y) {
    if (x > y) std::swap(x, y);
    const uint64_t key = (static_cast<uint64_t>(x) << 32) | y;
    const auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const bool c = Contradicts(CompareFields(people_[x], people_[y]));
    cache_.emplace(key, c);
    return c;
  }
  const std::vector<PreparedPerson>& people_;
  std::unordered_map<uint64_t, bool> cache_;
};

std::vector<int> Cluster(const std::vector<Scored>& scored, const MatchModel& model,
                         const std::vector<PreparedPerson>& people, bool admission, std::size_t* refused) {
  std::vector<const Scored*> edges;
  for (const auto& s : scored)
    if (s.probability >= model.upper_threshold) edges.push_back(&s);
  std::sort(edges.begin(), edges.end(), [](const Scored* a, const Scored* b) {
    if (a->total != b->total) return a->total > b->total;
    return a->pair < b->pair;
  });
  UnionFind uf(people.size());
  Admission check(people);
  std::size_t refused_count = 0;
  for (const Scored* e : edges) {
    const uint32_t a = uf.Find(e->pair.first), b = uf.Find(e->pair.second);
    if (a == b) continue;
    if (admission && !check.Allows(uf.Members(a), uf.Members(b))) {
      ++refused_count;
      continue;
    }
    uf.Join(a, b);
  }
  if (refused) *refused = refused_count;
  std::vector<int> out(people.size());
  for (uint32_t i = 0; i < people.size(); ++i) out[i] = static_cast<int>(uf.Find(i));
  return out;
}

std::string Describe(const PersonAttributes& p) {
  std::string s = p.first_name + " / " + p.last_name + " | " + p.birth_date + " | " + p.gender + " | " +
                  p.postal_code + " | " + p.address + " | " + p.city;
  for (const auto& v : p.phones) s += " | " + v;
  for (const auto& v : p.emails) s += " | " + v;
  return s;
}

std::string Explain(const MatchScore& s) {
  std::string out;
  char buf[64];
  for (const auto& f : s.fields) {
    std::snprintf(buf, sizeof buf, " %s=%s(%.1f)", f.field.c_str(), f.level.c_str(), f.weight);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, " => %.1f p=%.4f", s.total, s.probability);
  return out + buf;
}

struct RunResult {
  seam::bench::Prf pairwise, bcubed, pairwise_admit, bcubed_admit;
  std::size_t refused = 0;
  double seconds = 0;
};

RunResult Evaluate(const std::string& label, const MatchModel& model, const std::vector<Pair>& candidates,
                   const std::vector<PreparedPerson>& people, const std::vector<PersonAttributes>& persons,
                   const std::vector<int>& truth, const Options& options) {
  RunResult r;
  const auto start = Clock::now();
  std::vector<Scored> scored;
  scored.reserve(candidates.size());
  for (const auto& p : candidates) {
    const MatchScore s = model.Compare(people[p.first], people[p.second]);
    scored.push_back({p, s.total, s.probability});
  }
  const std::vector<int> plain = Cluster(scored, model, people, false, nullptr);
  r.seconds = Seconds(start);
  const std::vector<int> admitted = Cluster(scored, model, people, true, &r.refused);
  if (!options.sweep.empty()) {
    std::printf("  [%s] sweep:", label.c_str());
    for (double upper : options.sweep) {
      MatchModel m = model;
      m.upper_threshold = upper;
      const auto c = Cluster(scored, m, people, false, nullptr);
      const auto s = seam::bench::PairwiseScores(seam::bench::CountPairs(c, truth));
      const auto ca = Cluster(scored, m, people, true, nullptr);
      const auto sa = seam::bench::PairwiseScores(seam::bench::CountPairs(ca, truth));
      std::printf(" %.4g: F1 %.4f (P %.3f) adm %.4f (P %.3f) |", upper, s.f1, s.precision, sa.f1, sa.precision);
    }
    std::printf("\n");
  }
  r.pairwise = seam::bench::PairwiseScores(seam::bench::CountPairs(plain, truth));
  r.bcubed = seam::bench::BCubed(plain, truth);
  r.pairwise_admit = seam::bench::PairwiseScores(seam::bench::CountPairs(admitted, truth));
  r.bcubed_admit = seam::bench::BCubed(admitted, truth);

  if (options.errors > 0) {
    // False links above the threshold, and true candidate pairs below it.
    std::vector<const Scored*> fp, fn;
    for (const auto& s : scored) {
      const bool same = truth[s.pair.first] == truth[s.pair.second];
      if (!same && s.probability >= model.upper_threshold) fp.push_back(&s);
      if (same && s.probability < model.upper_threshold) fn.push_back(&s);
    }
    std::sort(fp.begin(), fp.end(), [](auto* a, auto* b) { return a->total > b->total; });
    std::sort(fn.begin(), fn.end(), [](auto* a, auto* b) { return a->total < b->total; });
    auto print = [&](const char* what, const std::vector<const Scored*>& list) {
      std::printf("  [%s] %s: %zu pairs\n", label.c_str(), what, list.size());
      const std::size_t stride = std::max<std::size_t>(1, list.size() / static_cast<std::size_t>(options.errors));
      for (std::size_t k = 0; k < list.size() && k / stride < static_cast<std::size_t>(options.errors); k += stride) {
        const auto& s = *list[k];
        std::printf("    A %s\n    B %s\n     %s\n", Describe(persons[s.pair.first]).c_str(),
                    Describe(persons[s.pair.second]).c_str(),
                    Explain(model.Compare(people[s.pair.first], people[s.pair.second])).c_str());
      }
    };
    print("false links", fp);
    print("missed true candidate pairs", fn);
    std::vector<const Scored*> contradicted;
    for (const auto& s : scored)
      if (truth[s.pair.first] == truth[s.pair.second] &&
          Contradicts(CompareFields(people[s.pair.first], people[s.pair.second])))
        contradicted.push_back(&s);
    print("true candidate pairs with a hard contradiction", contradicted);
  }
  return r;
}

void ReportFamilies(const std::vector<PreparedPerson>& people, const std::vector<Pair>& true_pairs,
                    std::size_t max_block) {
  std::printf("  %-8s %9s %9s %9s %9s %12s\n", "family", "recall", "capped", "max_blk", "over_cap", "pairs");
  for (const auto& family : AllBlockingFamilies()) {
    const std::string_view f[] = {family.name};
    std::vector<std::vector<std::string>> keys;
    std::map<std::string, std::size_t> sizes;
    for (const auto& p : people) {
      keys.push_back(BlockingKeys(p, f));
      for (const auto& k : keys.back()) ++sizes[k];
    }
    std::size_t reach = 0, reach_capped = 0, max_size = 0, over = 0;
    double pairs = 0;
    for (const auto& [k, n] : sizes) {
      max_size = std::max(max_size, n);
      if (n > max_block) ++over;
      else pairs += static_cast<double>(n) * static_cast<double>(n - 1) / 2;
    }
    for (const auto& [a, b] : true_pairs) {
      bool any = false, usable = false;
      for (const auto& k : keys[a]) {
        if (!std::binary_search(keys[b].begin(), keys[b].end(), k)) continue;
        any = true;
        if (sizes[k] <= max_block) usable = true;
      }
      reach += any;
      reach_capped += usable;
    }
    const double t = static_cast<double>(std::max<std::size_t>(1, true_pairs.size()));
    std::printf("  %-8s %9.4f %9.4f %9zu %9zu %12.0f\n", std::string(family.name).c_str(),
                static_cast<double>(reach) / t, static_cast<double>(reach_capped) / t, max_size, over, pairs);
  }
}

void RunDataset(const std::string& name, const Options& options) {
  auto loaded = seam::bench::LoadDataset(name, options.data);
  if (!loaded.ok()) {
    std::printf("%s: %s\n", name.c_str(), loaded.status().message().c_str());
    return;
  }
  const Dataset& d = *loaded;
  const seam::Normalizer normalizer(d.region);
  const auto t0 = Clock::now();
  std::vector<PersonAttributes> persons;
  std::vector<PreparedPerson> people;
  std::vector<int> truth;
  for (const auto& row : d.rows) {
    persons.push_back(NormalizePerson(normalizer, ToRaw(row)));
    people.push_back(Prepare(persons.back()));
    truth.push_back(row.truth_cluster);
  }
  const double prepare_s = Seconds(t0);

  std::vector<std::string_view> families;
  for (const auto& f : options.families) families.push_back(f);
  if (families.empty()) families = DefaultBlockingFamilies();

  const auto t1 = Clock::now();
  std::vector<std::vector<std::string>> keys;
  keys.reserve(people.size());
  std::map<std::string, std::size_t> sizes;
  for (const auto& p : people) {
    keys.push_back(BlockingKeys(p, families));
    for (const auto& k : keys.back()) ++sizes[k];
  }
  CandidateStats stats;
  const BlockRule rule{options.max_block, options.solo_block};
  const std::vector<Pair> candidates = CandidatePairs(keys, rule, {}, &stats);
  const double blocking_s = Seconds(t1);

  const std::vector<Pair> true_pairs = TruePairs(truth);
  std::size_t reach = 0, reach_capped = 0;
  for (const auto& [a, b] : true_pairs) {
    bool any = false;
    BlockRule::Support support;
    for (const auto& k : keys[a]) {
      if (!std::binary_search(keys[b].begin(), keys[b].end(), k)) continue;
      any = true;
      rule.Add(support, sizes[k]);
    }
    reach += any;
    reach_capped += BlockRule::Draws(support);
  }
  const double t = static_cast<double>(std::max<std::size_t>(1, true_pairs.size()));
  std::printf("\n== %s: %zu records, %zu true pairs, region %s\n", name.c_str(), d.rows.size(), true_pairs.size(),
              d.region.c_str());
  std::printf("  blocking: pair recall %.4f (uncapped %.4f, cap %zu solo %zu costs %.4f), %zu candidate pairs "
              "(%.1f per record), %zu of %zu blocks over cap; prepare %.2fs, blocking %.2fs\n",
              static_cast<double>(reach_capped) / t, static_cast<double>(reach) / t, options.max_block,
              options.solo_block, static_cast<double>(reach - reach_capped) / t, candidates.size(),
              2.0 * static_cast<double>(candidates.size()) / static_cast<double>(people.size()),
              stats.blocks_over_cap, stats.blocks, prepare_s, blocking_s);
  if (options.families_report) ReportFamilies(people, true_pairs, options.max_block);

  auto line = [&](const char* label, const RunResult& r) {
    std::printf("  %-8s pairwise P %.4f R %.4f F1 %.4f | B3 F1 %.4f || +admission P %.4f R %.4f F1 %.4f | "
                "B3 F1 %.4f (refused %zu) | score+cluster %.2fs\n",
                label, r.pairwise.precision, r.pairwise.recall, r.pairwise.f1, r.bcubed.f1,
                r.pairwise_admit.precision, r.pairwise_admit.recall, r.pairwise_admit.f1, r.bcubed_admit.f1,
                r.refused, r.seconds);
  };
  auto adjust = [&](MatchModel m) {
    if (options.upper > 0) m.upper_threshold = options.upper;
    if (options.lower > 0) m.lower_threshold = options.lower;
    return m;
  };
  const MatchModel base = adjust(MatchModel::Default());
  if (options.run_default) line("default", Evaluate(name + "/default", base, candidates, people, persons, truth, options));
  if (options.run_trained) {
    const auto t2 = Clock::now();
    TrainOptions train_options;
    train_options.max_block_size = options.max_block;
    train_options.solo_block_size = options.solo_block;
    TrainingReport report;
    const MatchModel trained = adjust(Train(persons, base, train_options, &report));
    const double train_s = Seconds(t2);
    line("trained", Evaluate(name + "/trained", trained, candidates, people, persons, truth, options));
    std::printf("  trained %s in %.2fs: prior %.3g, expected matches %.0f, u pairs %zu;", trained.version.c_str(),
                train_s, trained.prior, report.expected_matches, report.u_pairs);
    for (const auto& run : report.runs)
      std::printf(" %s(%zu pairs, %d it, λ %.3f)", run.family.c_str(), run.pairs, run.iterations, run.match_share);
    std::printf("\n");
    if (options.errors > 0) {
      for (std::size_t f = 0; f < kMatchFieldCount; ++f) {
        const auto field = static_cast<MatchField>(f);
        std::printf("    %-12s", std::string(FieldName(field)).c_str());
        for (std::size_t l = 0; l < FieldLevels(field).size(); ++l)
          std::printf(" %s m=%.3g u=%.3g;", FieldLevels(field)[l].c_str(), trained.fields[f].levels[l].m,
                      trained.fields[f].levels[l].u);
        std::printf("\n");
      }
    }
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    if (arg == "--data") options.data = next();
    else if (arg == "--datasets") options.datasets = Split(next(), ',');
    else if (arg == "--families") options.families = Split(next(), ',');
    else if (arg == "--max-block") options.max_block = std::stoul(next());
    else if (arg == "--solo-block") options.solo_block = std::stoul(next());
    else if (arg == "--families-report") options.families_report = true;
    else if (arg == "--errors") options.errors = std::stoi(next());
    else if (arg == "--no-default") options.run_default = false;
    else if (arg == "--no-trained") options.run_trained = false;
    else if (arg == "--upper") options.upper = std::stod(next());
    else if (arg == "--lower") options.lower = std::stod(next());
    else if (arg == "--sweep")
      for (const auto& v : Split(next(), ',')) options.sweep.push_back(std::stod(v));
    else {
      std::fprintf(stderr, "unknown argument %s\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (options.datasets.empty()) options.datasets = seam::bench::DatasetNames();
  for (const auto& name : options.datasets) RunDataset(name, options);
  return 0;
}
