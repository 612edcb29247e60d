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

}  // namespace
}  // namespace seam::ingest
