// Reading a record's candidates ahead of the writer: it must find what the
// writer will compare the record with (or it saves nothing), put there
// exactly what the writer would have loaded itself, and leave alone people
// who share no block with it.
#include "identity/candidate_prefetch.h"

#include <future>
#include <set>

#include <gtest/gtest.h>

#include "identity/graph.h"
#include "identity/person.h"
#include "identity/prepared_codec.h"
#include "identity/resolver.h"
#include "ingest/writer.h"
#include "seam/metrics.h"
#include "seam/normalize.h"
#include "support/temp_dir.h"

namespace seam::identity {
namespace {

Key256 K() {
  Key256 k{};
  k.fill(5);
  return k;
}

Record Customer(const std::string& id, const std::string& name, const std::string& dob, const std::string& phone,
                const std::string& postal) {
  static const Normalizer normalizer("KR");
  RawPerson raw;
  raw.name = name;
  raw.birth_date = dob;
  raw.postal_code = postal;
  raw.phones = {phone};
  Record r;
  r.type = "identify";
  r.record_key = "crm:" + id;
  r.replaceable = true;
  r.occurred_at = r.display_at = 1'700'000'000'000'000;
  r.identifiers = {{"customer_id", id}, {"phone", *normalizer.Phone(phone)}};
  r.match_attributes = EncodePerson(NormalizePerson(normalizer, raw));
  return r;
}

std::string AttrsNode(const Record& r) {
  for (const auto& key : r.derived.node_keys)
    if (NodeKeyType(key) == kAttrsType) return key;
  return {};
}

class CandidatePrefetchTest : public ::testing::Test {
 protected:
  CandidatePrefetchTest() : sealer_(K(), true) {
    store::StoreOptions o;
    o.path = dir_.str();
    store_ = std::move(*store::Store::Open(o, sealer_));
    config_ = *LoadConfig({});
  }

  // A resolver with cold caches, and a writer that reads nothing ahead.
  void Restart() {
    if (writer_) writer_->Stop();
    writer_.reset();
    resolver_ = std::make_unique<Resolver>(*store_, PolicyFromConfig(config_), K(), Resolver::Options{});
    ingest::WriterOptions wo;
    wo.read_ahead = 0;
    writer_ = std::make_unique<ingest::Writer>(*store_, *resolver_, metrics_, wo);
    writer_->Start();
  }

  void Ingest(std::vector<Record> records) {
    std::promise<ingest::WriteOutcome> done;
    std::vector<int> indexes(records.size(), 0);
    ASSERT_TRUE(writer_->SubmitUnbounded(std::move(records), std::move(indexes),
                                         [&](ingest::WriteOutcome o) { done.set_value(std::move(o)); }));
    auto outcome = done.get_future().get();
    ASSERT_TRUE(outcome.status.ok());
    ASSERT_TRUE(outcome.rejected.empty());
  }

  ~CandidatePrefetchTest() override {
    if (writer_) writer_->Stop();
  }

  testing::TempDir dir_;
  Sealer sealer_;
  std::unique_ptr<store::Store> store_;
  Config config_;
  Metrics metrics_;
  std::unique_ptr<Resolver> resolver_;
  std::unique_ptr<ingest::Writer> writer_;
};

TEST_F(CandidatePrefetchTest, FindsWhatTheWriterComparesTheRecordWithAndNothingElse) {
  Restart();
  // Look-alikes of one person (same name and birth date, nearby phones and
  // postal codes) and a stranger who shares no block with them.
  std::vector<Record> stored = {
      Customer("c1", "김민수", "1990-01-02", "010-1234-5678", "06236"),
      Customer("c2", "김민수", "1990-01-02", "010-1234-5679", "06236"),
      Customer("c3", "김민수", "1990-02-01", "010-1234-5678", "06237"),
      Customer("c4", "박서연", "1975-11-30", "010-9876-0000", "48058"),
  };
  for (auto& r : stored) writer_->Derive(r);
  Ingest(stored);

  Restart();
  Record incoming = Customer("c5", "김민수", "1990-01-02", "010-1234-5670", "06236");
  writer_->Derive(incoming);
  const std::shared_ptr<PreparedCache> cache = resolver_->prepared_cache();
  ASSERT_EQ(cache->size(), 0u);
  CandidatePrefetch prefetch(*store_, K(), resolver_->options().blocks, cache);
  // A stored attribute node draws no candidates again: nothing to read.
  EXPECT_EQ(prefetch.Warm(stored[0]), 0u);
  EXPECT_EQ(cache->size(), 0u);
  ASSERT_TRUE(CandidatePrefetch::Wants(incoming));
  const std::size_t added = prefetch.Warm(incoming);
  EXPECT_EQ(added, cache->size());
  ASSERT_TRUE(cache->Find(AttrsNode(incoming)));
  std::set<std::string> warmed;
  for (const auto& r : stored)
    if (cache->Find(AttrsNode(r))) warmed.insert(AttrsNode(r));
  EXPECT_EQ(warmed.size(), 3u) << "the three look-alikes";
  EXPECT_FALSE(cache->Find(AttrsNode(stored[3]))) << "the stranger shares no block";
  EXPECT_EQ(added, 4u);

  // What it put there is what the writer loads from the store itself.
  store::LiveReader reader(*store_);
  for (const auto& node : warmed) {
    auto raw = reader.Get(store::Cf::kAttrs, node);
    ASSERT_TRUE(raw.ok() && raw->has_value());
    AttrsEntry entry;
    ASSERT_TRUE(AttrsEntry::Decode(**raw, entry));
    auto expected = PreparedEntryOf(K(), entry);
    ASSERT_TRUE(expected.ok());
    const PreparedCache::Ptr got = cache->Find(node);
    EXPECT_EQ(EncodePrepared(got->prepared), EncodePrepared(expected->prepared));
    EXPECT_EQ(got->blocks, expected->blocks);
  }

  // The writer then scores the record against candidates read ahead.
  Ingest({incoming});
  auto edges = reader.Get(store::Cf::kMatches, AttrsNode(incoming));
  ASSERT_TRUE(edges.ok() && edges->has_value());
  MatchEdges list;
  ASSERT_TRUE(MatchEdges::Decode(**edges, list));
  ASSERT_FALSE(list.edges.empty());
  for (const auto& e : list.edges) EXPECT_TRUE(warmed.count(e.other)) << "scored a candidate not read ahead";
}

TEST_F(CandidatePrefetchTest, ARecordWithoutAttributesHasNothingToReadAhead) {
  Restart();
  Record r;
  r.identifiers = {{"user_id", "u1"}};
  writer_->Derive(r);
  EXPECT_FALSE(CandidatePrefetch::Wants(r));
  CandidatePrefetch prefetch(*store_, K(), resolver_->options().blocks, resolver_->prepared_cache());
  EXPECT_EQ(prefetch.Warm(r), 0u);
  EXPECT_EQ(resolver_->prepared_cache()->size(), 0u);
}

}  // namespace
}  // namespace seam::identity
