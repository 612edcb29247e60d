// The property SPEC §5 promises: for one model snapshot, the same set of
// records in any order gives the same profiles with the same ids. A
// generated Korean dataset (Segment sessions, POS receipts, CRM rows with
// duplicates across systems: deterministic and probabilistic links, limits,
// quarantined junk) goes through the real writer in three shuffled orders
// against fresh stores, and the partitions must be identical.
#include <algorithm>
#include <future>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "identity/graph.h"
#include "identity/resolver.h"
#include "ingest/csv_reader.h"
#include "ingest/import_records.h"
#include "ingest/import_schema.h"
#include "ingest/segment.h"
#include "ingest/writer.h"
#include "profile/stats.h"
#include "seam/config.h"
#include "seam/metrics.h"
#include "store/store.h"
#include "support/temp_dir.h"
#include "synth/synth.h"

namespace seam::identity {
namespace {

Key256 TestKey() {
  Key256 k{};
  k.fill(9);
  return k;
}

struct Data {
  Config config;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<ingest::Blocklist> blocklist;
  std::vector<Record> records;
};

// Rows of a generated CSV export through the import pipeline into Records.
// With `keep_versions`, every version of a corrected row is kept, in file
// order (the corrections come last), as an import would write them.
void AddCsv(Data& d, ingest::ImportKind kind, const std::string& csv, bool keep_versions = false) {
  ingest::ImportContext ctx{d.config, *d.normalizer, *d.blocklist, "imp_test", 1'700'000'000'000'000};
  ingest::ReceiptAssembler receipts(ctx, 1'000'000);
  std::optional<ingest::HeaderMap> header;
  std::vector<ingest::BuiltRecord> built;
  ingest::CsvReader reader([&](const ingest::CsvRow& row) {
    if (!header) {
      header = *ingest::HeaderMap::Build(kind, row.fields, {});
      return true;
    }
    if (row.error) return true;
    ingest::ImportRow r;
    r.line = row.line;
    header->Fill(row.fields, r);
    if (kind == ingest::ImportKind::kCustomers) {
      auto b = ingest::CustomerRecord(r, ctx);
      if (auto* ok = std::get_if<ingest::BuiltRecord>(&b)) built.push_back(std::move(*ok));
    } else {
      (void)receipts.Add(r, built);
    }
    return true;
  });
  reader.Feed(csv);
  reader.Finish();
  receipts.Finish(built);
  // A corrected row is a later version of the same key: the set of records
  // is the latest versions (which version wins is order, by design).
  if (keep_versions) {
    for (auto& b : built)
      if (!b.anonymous()) d.records.push_back(std::move(b.record));
    return;
  }
  std::map<std::string, Record> latest;
  for (auto& b : built)
    if (!b.anonymous()) latest[b.record.record_key] = std::move(b.record);
  for (auto& [key, r] : latest) d.records.push_back(std::move(r));
}

synth::Options BaseOptions() {
  synth::Options o;
  o.seed = 20261201;
  o.persons = 250;
  o.kiosks = 1;
  o.kiosk_rate = 0.3;  // enough users on one kiosk to quarantine it
  return o;
}

Data Generate(const synth::Options& o = BaseOptions(), std::size_t receipts = 1200, bool keep_versions = false) {
  Data d;
  auto config = LoadConfig({});
  EXPECT_TRUE(config.ok());
  d.config = *config;
  d.normalizer = std::make_unique<Normalizer>("KR");
  d.blocklist = std::make_unique<ingest::Blocklist>(d.config.blocklist, *d.normalizer, d.config.identifier_types);

  synth::Generator gen(o);
  synth::CsvFormat format;
  std::ostringstream crm, pos;
  gen.WriteCrm(crm, format, nullptr);
  gen.WritePos(pos, format, receipts, nullptr);
  AddCsv(d, ingest::ImportKind::kCustomers, crm.str(), keep_versions);
  AddCsv(d, ingest::ImportKind::kPos, pos.str());

  ingest::SegmentParser parser(d.config, *d.normalizer, *d.blocklist);
  gen.WriteSegmentBatches(100, [&](const std::string& json) {
    auto batch = parser.Parse(json, "batch", "k", 1'700'000'000'000'000);
    EXPECT_TRUE(batch.ok());
    for (auto& r : batch->records) d.records.push_back(std::move(r));
    return d.records.size() < 2500;
  }, nullptr);
  return d;
}

// Every record's index, in the order Generate made them.
std::vector<std::size_t> InOrder(const Data& d) {
  std::vector<std::size_t> order(d.records.size());
  std::iota(order.begin(), order.end(), 0);
  return order;
}

struct Shape {
  std::size_t joined_by_attributes = 0;  // profiles holding two or more attribute nodes
  std::size_t quarantined = 0;
  Resolver::ShapeCounts planned;         // how the resolver re-partitioned
  std::string profiles;                  // every profile document, "id: encoded" per line
  std::string match_edges;               // every scored pair, "node: encoded edges" per line
  std::size_t scored_pairs = 0;
  std::size_t read_ahead = 0;            // records whose candidates were read ahead of the writer
};

// Every profile as "id: sorted node keys (hex)", one line each, sorted.
// With `restart_every` set, the resolver and writer are rebuilt on the same
// store after every that many records: each rebuilt resolver starts with
// cold caches and loads every match candidate from its stored form.
// Records go to the writer `group_size` at a time; `read_ahead` is the writer's
// (0: it reads every candidate itself).
std::string Ingest(const Data& d, const std::vector<std::size_t>& order, Shape* shape = nullptr,
                   bool region_reclustering = true, std::size_t restart_every = 0, BlockRule blocks = BlockRule{},
                   std::size_t group_size = 7, std::size_t read_ahead = ingest::WriterOptions{}.read_ahead) {
  testing::TempDir dir;
  Sealer sealer(TestKey(), true);
  store::StoreOptions so;
  so.path = dir.str();
  auto st = store::Store::Open(so, sealer);
  EXPECT_TRUE(st.ok());
  Resolver::Options ro;
  ro.quarantine_fanout = 5;  // small data: a kiosk or a store phone is seen with a few people
  ro.region_reclustering = region_reclustering;
  ro.blocks = blocks;
  Metrics metrics;
  ingest::WriterOptions wo;
  wo.sync = false;
  wo.merge_parts = ingest::MergeReceiptParts;
  wo.read_ahead = read_ahead;
  std::unique_ptr<Resolver> resolver_ptr;
  std::unique_ptr<ingest::Writer> writer_ptr;
  auto start = [&] {
    if (writer_ptr) writer_ptr->Stop();
    writer_ptr.reset();
    resolver_ptr = std::make_unique<Resolver>(**st, PolicyFromConfig(d.config), TestKey(), ro);
    writer_ptr = std::make_unique<ingest::Writer>(**st, *resolver_ptr, metrics, wo);
    writer_ptr->Start();
  };
  start();
  std::size_t next_restart = restart_every;
  // Groups of a few records, in the given order: groups commit as the
  // writer goes, as under real traffic.
  for (std::size_t i = 0; i < order.size(); i += group_size) {
    if (restart_every > 0 && i >= next_restart) {
      start();
      next_restart += restart_every;
    }
    ingest::Writer& writer = *writer_ptr;
    std::vector<Record> group;
    std::vector<int> indexes;
    for (std::size_t j = i; j < std::min(order.size(), i + group_size); ++j) {
      group.push_back(d.records[order[j]]);
      indexes.push_back(static_cast<int>(j));
    }
    std::promise<ingest::WriteOutcome> done;
    auto f = done.get_future();
    EXPECT_TRUE(writer.SubmitUnbounded(std::move(group), std::move(indexes),
                                       [&done](ingest::WriteOutcome o) { done.set_value(std::move(o)); }));
    auto outcome = f.get();
    EXPECT_TRUE(outcome.status.ok());
    EXPECT_TRUE(outcome.rejected.empty()) << outcome.rejected.front().error;
  }
  writer_ptr->Stop();
  if (shape) {
    shape->planned = resolver_ptr->shape_counts();
    shape->read_ahead = metrics.Counter("seam_read_ahead_records_total").load();
  }
  std::vector<std::string> lines;
  store::ReadView view(**st);
  EXPECT_TRUE(view.Scan(store::Cf::kClusters, "", [&](std::string_view, std::string_view value) {
                    Cluster c;
                    EXPECT_TRUE(Cluster::Decode(value, c));
                    std::string line = c.id + ":";
                    std::size_t attrs = 0;
                    for (const auto& n : c.nodes) {
                      line += " " + Hex(n);
                      attrs += NodeKeyType(n) == kAttrsType;
                    }
                    if (shape && attrs >= 2) shape->joined_by_attributes += 1;
                    lines.push_back(line);
                    return true;
                  }).ok());
  if (shape) {
    EXPECT_TRUE(view.Scan(store::Cf::kProfiles, "", [&](std::string_view key, std::string_view value) {
                      profile::Stats stats;
                      EXPECT_TRUE(profile::Stats::Decode(value, stats));
                      shape->profiles += std::string(key) + ": " + Hex(stats.Encode()) + "\n";
                      return true;
                    }).ok());
    EXPECT_TRUE(view.Scan(store::Cf::kMatches, "", [&](std::string_view key, std::string_view value) {
                      MatchEdges edges;
                      EXPECT_TRUE(MatchEdges::Decode(value, edges));
                      shape->scored_pairs += edges.edges.size();
                      shape->match_edges += Hex(key) + ": " + Hex(value) + "\n";
                      return true;
                    }).ok());
    EXPECT_TRUE(view.Scan(store::Cf::kGuards, "", [&](std::string_view, std::string_view value) {
                      NodeGuard g;
                      EXPECT_TRUE(NodeGuard::Decode(value, g));
                      shape->quarantined += g.quarantined;
                      return true;
                    }).ok());
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(OrderIndependence, GeneratedCustomersGiveTheSamePartitionInThreeOrders) {
  const Data d = Generate();
  ASSERT_GT(d.records.size(), 1000u);
  std::vector<std::size_t> order = InOrder(d);
  Shape shape;
  const std::string first = Ingest(d, order, &shape);
  const std::size_t profiles = static_cast<std::size_t>(std::count(first.begin(), first.end(), '\n'));
  // The data exercises what the property is about: records joined into
  // people, some through their attributes, and a quarantined kiosk.
  EXPECT_LT(profiles, d.records.size() / 2);
  EXPECT_GT(shape.joined_by_attributes, 5u);
  EXPECT_GE(shape.quarantined, 1u);
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    EXPECT_EQ(Ingest(d, order), first) << "shuffled order " << round;
  }
  std::reverse(order.begin(), order.end());
  EXPECT_EQ(Ingest(d, order), first) << "reversed order";
}

// A new record re-partitions only the profiles around it when that is
// provably what the whole component gives (resolver.cpp, PlanRegion): the
// same records with every re-partition done on the whole component must
// give the same profiles, and the region path must really have been taken,
// including regions that had to grow into their ring.
TEST(OrderIndependence, ReclusteringARegionGivesWhatTheWholeComponentGives) {
  // Households sharing phones, phones typed one digit off (someone else's
  // number) and people with two phones: profiles glued into large
  // components by links the limits refuse, as in a real POS history.
  synth::Options o = BaseOptions();
  o.shared_phone_rate = 0.15;
  o.two_phone_rate = 0.2;
  o.pos_phone_typo_rate = 0.15;
  const Data d = Generate(o, 3000);
  std::vector<std::size_t> order = InOrder(d);
  Shape whole, region;
  const std::string expected = Ingest(d, order, &whole, /*region_reclustering=*/false);
  EXPECT_EQ(whole.planned.regions, 0u);
  EXPECT_EQ(Ingest(d, order, &region), expected);
  EXPECT_EQ(region.profiles, whole.profiles) << "the same profiles, but not the same profile documents";
  EXPECT_GT(region.planned.regions, 100u);
  EXPECT_LT(region.planned.components, whole.planned.components / 4);
  std::mt19937_64 rng(11);
  std::shuffle(order.begin(), order.end(), rng);
  EXPECT_EQ(Ingest(d, order, &region), expected) << "shuffled, by region";
}

// A restarted server has no warm cache: every match candidate comes from its
// stored prepared form and hashed blocking keys (prepared_codec.h). The
// profiles must be the ones an uninterrupted run gives.
TEST(OrderIndependence, ResolversRestartedMidStreamGiveTheSameProfiles) {
  const Data d = Generate();
  std::vector<std::size_t> order = InOrder(d);
  Shape warm, cold;
  const std::string expected = Ingest(d, order, &warm);
  EXPECT_GT(warm.joined_by_attributes, 10u) << "too few probabilistic links to test anything";
  EXPECT_GT(warm.scored_pairs, 100u);
  EXPECT_EQ(Ingest(d, order, &cold, /*region_reclustering=*/true, /*restart_every=*/140), expected);
  EXPECT_EQ(cold.profiles, warm.profiles);
  // Every pair scored bit for bit as from freshly prepared attributes.
  EXPECT_EQ(cold.match_edges, warm.match_edges);
}

// Blocks fill as the base grows, past the solo size (then a block draws a
// pair only with a second shared block) and past the cap (then nothing).
// Which pairs were scored depends on when each block crossed those sizes;
// which edges join must not. A tight rule makes blocks cross both sizes in
// these few hundred people.
TEST(OrderIndependence, BlocksCrossingTheSoloSizeAndTheCapGiveTheSamePartitionInEveryOrder) {
  const BlockRule tight{4, 2};
  // Many people joined by their attributes alone (a second customer_id),
  // twins and look-alikes: pairs whose match rests on which blocks still
  // draw them.
  synth::Options o = BaseOptions();
  o.persons = 400;
  o.crm_duplicate_rate = 0.6;
  o.twin_rate = 0.05;
  o.lookalike_rate = 0.05;
  const Data d = Generate(o, 300);
  std::vector<std::size_t> order = InOrder(d);
  Shape shape, whole;
  const std::string first = Ingest(d, order, &shape, true, 0, tight);
  EXPECT_GT(shape.joined_by_attributes, 5u) << "too few probabilistic links to test anything";
  // The rule changes what is linked: with every block within the cap
  // drawing alone, more pairs are scored.
  Shape single;
  (void)Ingest(d, order, &single, true, 0, BlockRule::SingleCap(tight.max_block));
  EXPECT_LT(shape.scored_pairs, single.scored_pairs);
  EXPECT_EQ(Ingest(d, order, &whole, /*region_reclustering=*/false, 0, tight), first) << "whole components";
  std::mt19937_64 rng(5);
  for (int round = 0; round < 2; ++round) {
    std::shuffle(order.begin(), order.end(), rng);
    EXPECT_EQ(Ingest(d, order, nullptr, true, 0, tight), first) << "shuffled order " << round;
  }
}

// A corrected customer row replaces its earlier version: the old attributes
// leave their blocks, which may shrink back to the solo size or the cap,
// and the pairs those blocks draw again must be scored as if they had never
// grown. Every version in file order must give what the latest versions
// alone give.
TEST(OrderIndependence, CorrectionsThatShrinkBlocksGiveWhatTheLatestVersionsGive) {
  const BlockRule tight{4, 2};
  synth::Options o = BaseOptions();
  o.crm_correction_rate = 0.4;
  const Data all = Generate(o, 600, /*keep_versions=*/true);
  const Data latest = Generate(o, 600);
  ASSERT_GT(all.records.size(), latest.records.size() + 50);
  const std::vector<std::size_t> all_order = InOrder(all), latest_order = InOrder(latest);
  Shape corrected, fresh;
  const std::string expected = Ingest(latest, latest_order, &fresh, true, 0, tight);
  EXPECT_GT(fresh.joined_by_attributes, 5u);
  EXPECT_EQ(Ingest(all, all_order, &corrected, true, 0, tight), expected);
}

// A second thread reads candidates ahead of the writer into the cache it
// draws them from (identity/candidate_prefetch.h): what it reads must change
// nothing. Large groups give it room to run ahead, a cold resolver every
// few hundred records makes the writer depend on what it read, and the
// tight rule makes blocks cross the solo size and the cap.
TEST(OrderIndependence, ReadingCandidatesAheadChangesNoResult) {
  const BlockRule tight{4, 2};
  const Data d = Generate();
  const std::vector<std::size_t> order = InOrder(d);
  for (const BlockRule& rule : {BlockRule{}, tight}) {
    Shape alone, ahead;
    const std::string expected = Ingest(d, order, &alone, true, 300, rule, 250, /*read_ahead=*/0);
    EXPECT_EQ(alone.read_ahead, 0u);
    EXPECT_EQ(Ingest(d, order, &ahead, true, 300, rule, 250, /*read_ahead=*/16), expected);
    EXPECT_GT(ahead.read_ahead, 100u) << "the read-ahead must really have run";
    EXPECT_EQ(ahead.match_edges, alone.match_edges);
    EXPECT_EQ(ahead.profiles, alone.profiles);
  }
}

}  // namespace
}  // namespace seam::identity
