#include "ingest/writer.h"

#include <future>

#include <spdlog/spdlog.h>

namespace seam::ingest {

using store::Cf;

Writer::Writer(store::Store& store, identity::Resolver& resolver, Metrics& metrics, WriterOptions options)
    : store_(store), resolver_(resolver), metrics_(metrics), options_(options) {}

Writer::~Writer() { Stop(); }

void Writer::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Writer::Submit(std::vector<Record> records, std::vector<int> indexes, Done done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= options_.queue_capacity) return false;
    queue_.push_back(Job{std::move(records), std::move(indexes), std::move(done), nullptr});
  }
  cv_.notify_one();
  return true;
}

Status Writer::RunExclusive(const std::function<Status(store::WriteTxn&)>& fn) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::Unavailable("writer is stopping");
    // Admin work is never refused for a full queue; it waits its turn.
    queue_.push_back(Job{{}, {}, [&promise](WriteOutcome o) { promise.set_value(o.status); }, fn});
  }
  cv_.notify_one();
  return future.get();
}

void Writer::Loop() {
  std::vector<Job> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Take what is waiting, up to the group size: those requests share one sync.
      std::size_t records = 0;
      while (!queue_.empty() && (group.empty() || records + queue_.front().records.size() <=
                                                      options_.max_group_records)) {
        if (queue_.front().exclusive && !group.empty()) break;
        records += queue_.front().records.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
        if (group.back().exclusive) break;
      }
    }
    ProcessGroup(group);
    group.clear();
  }
}

void Writer::ProcessGroup(std::vector<Job>& jobs) {
  store::WriteTxn txn(store_);
  std::vector<WriteOutcome> outcomes(jobs.size());
  uint64_t stored = 0, merges = 0, created = 0;

  if (jobs.size() == 1 && jobs[0].exclusive) {
    Status s = jobs[0].exclusive(txn);
    if (s.ok()) s = txn.Commit(options_.sync);
    outcomes[0].status = s;
    jobs[0].done(std::move(outcomes[0]));
    return;
  }

  for (std::size_t j = 0; j < jobs.size(); ++j) {
    auto& job = jobs[j];
    for (std::size_t i = 0; i < job.records.size(); ++i) {
      const Record& r = job.records[i];
      auto seen = txn.Get(Cf::kDedup, r.dedup_key);
      if (seen.ok() && seen->has_value()) {
        outcomes[j].accepted += 1;
        outcomes[j].duplicates += 1;
        continue;
      }
      txn.SetSavePoint();
      Status s = seen.status();
      if (s.ok()) {
        auto resolved = resolver_.Resolve(r, txn);
        s = resolved.status();
        if (resolved.ok()) {
          s = profiles_.Apply(r, *resolved, txn);
          merges += resolved->retired.size();
          created += resolved->created.size();
        }
      }
      if (!s.ok()) {
        // One bad record must not sink the group: undo it alone.
        txn.RollbackToSavePoint();
        spdlog::error("record rejected by the resolver: {}", s.message());
        outcomes[j].rejected.push_back({job.indexes[i], s.error_code(), s.message()});
        continue;
      }
      txn.PopSavePoint();
      txn.Put(Cf::kDedup, r.dedup_key, "");
      outcomes[j].accepted += 1;
      stored += 1;
    }
  }

  Status commit = txn.Commit(options_.sync);
  if (!commit.ok()) {
    spdlog::error("group commit failed: {}", commit.message());
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      WriteOutcome failed;
      failed.status = commit;
      jobs[j].done(std::move(failed));
    }
    return;
  }
  metrics_.Add("seam_events_ingested_total", stored);
  metrics_.Add("seam_profile_merges_total", merges);
  metrics_.Add("seam_profiles_created_total", created);
  metrics_.Add("seam_group_commits_total");
  for (std::size_t j = 0; j < jobs.size(); ++j) jobs[j].done(std::move(outcomes[j]));
}

}  // namespace seam::ingest
