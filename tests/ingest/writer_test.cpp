// The single writer: bounded queue (full -> refused, so HTTP answers 429),
// one group per sync, retried messageIds stored once, a bad record rolled
// back alone.
#include "ingest/writer.h"

#include <future>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace seam::ingest {
namespace {

Key256 K() {
  Key256 k{};
  k.fill(3);
  return k;
}

Record Track(const std::string& message_id, const std::string& user) {
  Record r;
  r.message_id = message_id;
  r.record_key = "seg:k:" + message_id;
  r.dedup_key = std::string("k") + '\0' + message_id;
  r.type = "track";
  r.event = "E";
  r.occurred_at = r.display_at = 1000;
  if (!user.empty()) r.identifiers.push_back({"user_id", user});
  return r;
}

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() : sealer_(K(), true) {
    store::StoreOptions o;
    o.path = dir_.str();
    store_ = std::move(*store::Store::Open(o, sealer_));
    identity::LinkPolicy policy;
    policy.types = {{"user_id", {1, 1}}};
    resolver_ = std::make_unique<identity::Resolver>(*store_, policy, K(), identity::Resolver::Options{});
    WriterOptions wo;
    wo.queue_capacity = 2;
    writer_ = std::make_unique<Writer>(*store_, *resolver_, metrics_, wo);
    writer_->Start();
  }
  ~WriterTest() override { writer_->Stop(); }

  // Replaces the writer (same store and resolver) with one of `options`.
  void Reopen(WriterOptions options) {
    writer_->Stop();
    writer_ = std::make_unique<Writer>(*store_, *resolver_, metrics_, options);
    writer_->Start();
  }

  std::future<WriteOutcome> Submit(std::vector<Record> records, bool* queued) {
    auto promise = std::make_shared<std::promise<WriteOutcome>>();
    std::vector<int> indexes(records.size());
    for (std::size_t i = 0; i < indexes.size(); ++i) indexes[i] = static_cast<int>(i);
    *queued = writer_->Submit(std::move(records), std::move(indexes),
                              [promise](WriteOutcome o) { promise->set_value(std::move(o)); });
    return promise->get_future();
  }

  testing::TempDir dir_;
  Sealer sealer_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<identity::Resolver> resolver_;
  Metrics metrics_;
  std::unique_ptr<Writer> writer_;
};

TEST_F(WriterTest, FullQueueRefusesInsteadOfGrowing) {
  // Park the writer inside an exclusive job so the queue fills up.
  std::promise<void> entered, release;
  auto release_future = release.get_future().share();
  std::thread blocker([&] {
    Status s = writer_->RunExclusive([&](store::Batch&) {
      entered.set_value();
      release_future.wait();
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok());
  });
  entered.get_future().wait();

  bool q1 = false, q2 = false, q3 = true;
  auto f1 = Submit({Track("a", "u1")}, &q1);
  auto f2 = Submit({Track("b", "u2")}, &q2);
  auto f3 = Submit({Track("c", "u3")}, &q3);
  EXPECT_TRUE(q1);
  EXPECT_TRUE(q2);
  EXPECT_FALSE(q3) << "a full queue must refuse (the route answers 429 + Retry-After)";

  release.set_value();
  blocker.join();
  EXPECT_EQ(f1.get().accepted, 1u);
  EXPECT_EQ(f2.get().accepted, 1u);
  // Both queued requests shared one group commit.
  EXPECT_EQ(metrics_.Counter("seam_group_commits_total").load(), 1u);
}

TEST_F(WriterTest, RetriedMessagesAreStoredOnceAndBadRecordsRollBackAlone) {
  bool queued = false;
  auto first = Submit({Track("m1", "u1"), Track("m1", "u1"), Track("m2", ""), Track("m3", "u1")}, &queued);
  ASSERT_TRUE(queued);
  WriteOutcome o = first.get();
  ASSERT_TRUE(o.status.ok());
  EXPECT_EQ(o.accepted, 3u);
  EXPECT_EQ(o.duplicates, 1u);
  ASSERT_EQ(o.rejected.size(), 1u);
  EXPECT_EQ(o.rejected[0].index, 2);
  EXPECT_EQ(o.rejected[0].code, "no_identifier");

  auto again = Submit({Track("m1", "u1")}, &queued);
  EXPECT_EQ(again.get().duplicates, 1u);
  EXPECT_EQ(metrics_.Counter("seam_events_ingested_total").load(), 2u);
}

// A group's batch is written on the commit thread while the next group is
// planned. A retry planned meanwhile must still find its first delivery,
// though that is not in the store yet: every retry here is a duplicate, in
// the group right after the original's, and each message is stored once.
TEST_F(WriterTest, RetryPlannedWhileItsFirstDeliveryIsBeingWrittenIsADuplicate) {
  WriterOptions wo;
  wo.queue_capacity = 1000;
  wo.max_group_records = 1;  // every request a group of its own
  Reopen(wo);
  std::vector<std::future<WriteOutcome>> originals, retries;
  for (int i = 0; i < 100; ++i) {
    bool queued = false;
    const std::string id = "p" + std::to_string(i);
    originals.push_back(Submit({Track(id, "u" + std::to_string(i % 7))}, &queued));
    ASSERT_TRUE(queued);
    retries.push_back(Submit({Track(id, "u" + std::to_string(i % 7))}, &queued));
    ASSERT_TRUE(queued);
  }
  for (int i = 0; i < 100; ++i) {
    WriteOutcome o = originals[static_cast<std::size_t>(i)].get();
    ASSERT_TRUE(o.status.ok()) << o.status.message();
    EXPECT_EQ(o.duplicates, 0u) << i;
    WriteOutcome r = retries[static_cast<std::size_t>(i)].get();
    ASSERT_TRUE(r.status.ok()) << r.status.message();
    EXPECT_EQ(r.accepted, 1u) << i;
    EXPECT_EQ(r.duplicates, 1u) << "retry " << i << " was stored again";
  }
  EXPECT_EQ(metrics_.Counter("seam_events_ingested_total").load(), 100u);
  EXPECT_GE(metrics_.Counter("seam_group_commits_total").load(), 100u);
  // Answered means durable: each message's timeline entry is in the store.
  std::size_t events = 0;
  ASSERT_TRUE(store::LiveReader(*store_)
                  .Scan(store::Cf::kEvents, "", [&](std::string_view, std::string_view) {
                    ++events;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(events, 100u);
}

}  // namespace
}  // namespace seam::ingest
