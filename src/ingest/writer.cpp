#include "ingest/writer.h"

#include <pthread.h>

#include <future>
#include <optional>

#include <spdlog/spdlog.h>

#include "seam/crypto.h"

namespace seam::ingest {

using store::Cf;

Writer::Writer(store::Store& store, identity::Resolver& resolver, Metrics& metrics, WriterOptions options)
    : store_(store),
      reader_(store),
      resolver_(resolver),
      profiles_(store, options.survivorship),
      metrics_(metrics),
      options_(options),
      candidates_(store, resolver.lookup_key(), resolver.options().blocks, resolver.prepared_cache()) {
  if (options_.read_ahead > 0)
    read_ahead_ = std::make_unique<ReadAhead>(
        "seam-readahead", [this](const Record& r) { candidates_.Warm(r); }, options_.read_ahead);
  // The direct scans see the store plus the current group's own changes:
  // a batch still being written must land first.
  resolver_.SetStoreBarrier([this] { AwaitCommitted(); });
  profiles_.SetStoreBarrier([this] { AwaitCommitted(); });
}

Writer::~Writer() { Stop(); }

void Writer::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  {
    std::lock_guard commit_lock(commit_mu_);
    commit_stopping_ = false;
  }
  committer_ = std::thread([this] { CommitLoop(); });
  thread_ = std::thread([this] { Loop(); });
}

void Writer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();  // its loop ends with nothing in flight
  {
    std::lock_guard lock(commit_mu_);
    commit_stopping_ = true;
  }
  commit_cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

void Writer::CommitLoop() {
  pthread_setname_np(pthread_self(), "seam-commit");
  for (;;) {
    std::unique_lock lock(commit_mu_);
    commit_cv_.wait(lock, [&] { return commit_stopping_ || (to_commit_ && to_commit_->batch); });
    if (!to_commit_ || !to_commit_->batch) return;  // stopping, nothing handed over
    InFlight& work = *to_commit_;
    lock.unlock();
    const Status s = work.batch->Commit(options_.sync);
    if (!s.ok()) spdlog::error("group commit failed: {}", s.message());
    // Answered before the writer may hand over the next batch: a client
    // told "durable" can read what it sent.
    work.then(s);
    lock.lock();
    to_commit_.reset();
    lock.unlock();
    commit_cv_.notify_all();
  }
}

void Writer::CommitInBackground(std::unique_ptr<store::Batch> batch, std::function<void(const Status&)> then) {
  {
    std::lock_guard lock(commit_mu_);
    to_commit_ = InFlight{std::move(batch), std::move(then)};
  }
  commit_cv_.notify_all();
}

void Writer::AwaitCommitted() {
  std::unique_lock lock(commit_mu_);
  commit_cv_.wait(lock, [&] { return !to_commit_; });
  lock.unlock();
  inflight_dedup_.clear();  // in the store now (or the store failed)
}

void Writer::Derive(Record& r) const {
  identity::DeriveKeys(resolver_.lookup_key(), r);
  if (r.derived.sig_id.empty()) return;  // no identifier: rejected by the writer
  r.derived.event_key = profile::EventKey(r.derived.sig_id, r.display_at, r.record_key);
  const std::string json = profile::EventJson(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (r.replaceable && r.content_hash.empty()) r.content_hash = Sha256(r.derived.sig_id + json).substr(0, 16);
  r.derived.sealed_event = store_.SealFor(Cf::kEvents, r.derived.event_key, json);
}

bool Writer::Submit(std::vector<Record> records, std::vector<int> indexes, Done done) {
  return Enqueue(std::move(records), std::move(indexes), std::move(done), true);
}

bool Writer::SubmitUnbounded(std::vector<Record> records, std::vector<int> indexes, Done done) {
  return Enqueue(std::move(records), std::move(indexes), std::move(done), false);
}

bool Writer::Enqueue(std::vector<Record> records, std::vector<int> indexes, Done done, bool bounded) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || (bounded && queue_.size() >= options_.queue_capacity)) return false;
  }
  // Off the writer thread, and outside the lock: hashing and sealing.
  for (auto& r : records) Derive(r);
  {
    std::lock_guard lock(mu_);
    if (stopping_ || (bounded && queue_.size() >= options_.queue_capacity)) return false;
    queue_.push_back(Job{std::move(records), std::move(indexes), std::move(done), nullptr});
  }
  cv_.notify_one();
  return true;
}

Status Writer::RunExclusive(const std::function<Status(store::Batch&)>& fn) {
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

Result<identity::ResolveResult> Writer::RunPlan(
    const std::function<Result<identity::Plan>(identity::Resolver&)>& make) {
  identity::ResolveResult result;
  Status s = RunExclusive([&](store::Batch& batch) -> Status {
    auto plan = make(resolver_);
    if (!plan.ok()) return plan.status();
    if (Status p = profiles_.Prepare(nullptr, *plan); !p.ok()) return p;
    result = resolver_.Apply(std::move(*plan), batch);
    profiles_.Apply(nullptr, result, batch);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return result;
}

Result<std::size_t> Writer::Reevaluate(identity::MatchModel model) {
  std::size_t done = 0;
  Status s = RunExclusive([&](store::Batch& batch) -> Status {
    resolver_.SetModel(std::move(model));
    std::vector<std::string> nodes;
    Status scan = reader_.Scan(Cf::kAttrs, "", [&](std::string_view key, std::string_view) {
      nodes.emplace_back(key);
      return true;
    });
    if (!scan.ok()) return scan;
    for (const auto& node : nodes) {
      auto plan = resolver_.PlanRescore(node);
      if (!plan.ok()) return plan.status();
      // The timeline rebuild of a divided profile must see what this pass
      // wrote: commit first when it would not.
      if (profiles_.NeedsCommitBefore(*plan)) {
        if (Status c = CommitGroup(batch); !c.ok()) return c;
        plan = resolver_.PlanRescore(node);
        if (!plan.ok()) return plan.status();
      }
      if (Status p = profiles_.Prepare(nullptr, *plan); !p.ok()) return p;
      auto result = resolver_.Apply(std::move(*plan), batch);
      profiles_.Apply(nullptr, result, batch);
      if (++done % 512 == 0)
        if (Status c = CommitGroup(batch); !c.ok()) return c;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  metrics_.Add("seam_model_reevaluations_total");
  return done;
}

void Writer::Loop() {
  pthread_setname_np(pthread_self(), "seam-writer");  // visible in top -H and perf
  std::vector<Job> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) {
        lock.unlock();
        AwaitCommitted();
        return;
      }
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
    std::vector<std::vector<Record>> records;
    records.reserve(group.size());
    for (auto& job : group) records.push_back(std::move(job.records));
    released_records_.Release(std::move(records));
    group.clear();
  }
}

Status Writer::CommitGroup(store::Batch& batch) {
  AwaitCommitted();
  resolver_.Flush(batch);
  profiles_.Flush(batch);
  Status s = batch.Commit(options_.sync);
  if (s.ok()) {
    resolver_.Commit();
    profiles_.Commit();
  } else {
    resolver_.Abort();
    profiles_.Abort();
  }
  group_dedup_.clear();
  return s;
}

Status Writer::ProcessRecord(const Record& incoming, store::Batch& batch, WriteOutcome& outcome,
                             bool& commit_failed) {
  const Record* record = &incoming;
  std::optional<Record> merged;
  // Rebuilding a sig's Stats from the stored timeline must see this group's
  // entries: when a plan needs that, the group so far is committed first.
  auto commit_if_needed = [&](const identity::Plan& plan) -> Status {
    if (!profiles_.NeedsCommitBefore(plan)) return Status::Ok();
    Status s = CommitGroup(batch);
    if (!s.ok()) commit_failed = true;
    return s;
  };
  if (incoming.replaceable) {
    auto stored = resolver_.FindRecord(incoming.record_key);
    if (!stored.ok()) return stored.status();
    if (*stored != nullptr) {
      if ((*stored)->content_hash == incoming.content_hash) {
        outcome.duplicates += 1;  // re-imported unchanged: a no-op
        return Status::Ok();
      }
      if (!incoming.merge_group.empty() && options_.merge_parts) {
        // A later part of a record this import stored already: one record.
        if (profiles_.Touched((*stored)->sig)) {
          // Stored or replaced by this very group, so the store does not
          // hold it yet (or holds an older version): commit first.
          if (Status s = CommitGroup(batch); !s.ok()) {
            commit_failed = true;
            return s;
          }
          stored = resolver_.FindRecord(incoming.record_key);
          if (!stored.ok()) return stored.status();
          if (*stored == nullptr) return Status::Internal("a committed record is gone");
        }
        AwaitCommitted();  // the stored part may be in the batch being written
        auto event = reader_.Get(Cf::kEvents, (*stored)->event_key);
        if (!event.ok()) return event.status();
        if (event->has_value()) {
          Record candidate = incoming;
          if (options_.merge_parts(nlohmann::json::parse(**event, nullptr, false), candidate)) {
            candidate.content_hash = Sha256((*stored)->content_hash + incoming.content_hash).substr(0, 16);
            Derive(candidate);
            merged = std::move(candidate);
            record = &*merged;
          }
        }
      }
      // A correction: the old version goes, then the new one comes in.
      auto plan = resolver_.PlanRemove(record->record_key);
      if (!plan.ok()) return plan.status();
      if (plan->has_value()) {
        if (Status s = commit_if_needed(**plan); !s.ok()) return s;
        if (Status s = profiles_.Prepare(nullptr, **plan); !s.ok()) return s;
        auto removed = resolver_.Apply(std::move(**plan), batch);
        profiles_.Apply(nullptr, removed, batch);
        outcome.replaced += 1;
      }
    }
  }
  const Record& r = *record;
  if (r.identifiers.empty()) return Status::Invalid("no_identifier", "record has no identifier");
  auto plan = resolver_.PlanAdd(r);
  if (!plan.ok()) return plan.status();
  if (Status s = commit_if_needed(*plan); !s.ok()) return s;
  if (Status s = profiles_.Prepare(&r, *plan); !s.ok()) return s;
  auto result = resolver_.Apply(std::move(*plan), batch);
  profiles_.Apply(&r, result, batch);
  outcome.created.insert(result.created.begin(), result.created.end());
  outcome.merges += result.retired.size();
  return Status::Ok();
}

void Writer::ProcessGroup(std::vector<Job>& jobs) {
  auto owned_batch = std::make_unique<store::Batch>(store_);
  store::Batch& batch = *owned_batch;
  std::vector<WriteOutcome> outcomes(jobs.size());
  uint64_t stored = 0, merges = 0, created = 0;

  if (jobs.size() == 1 && jobs[0].exclusive) {
    AwaitCommitted();  // admin work reads and writes the store directly
    Status s = jobs[0].exclusive(batch);
    if (s.ok()) {
      s = CommitGroup(batch);
    } else {
      batch.Clear();
      resolver_.Abort();
      profiles_.Abort();
    }
    outcomes[0].status = s;
    jobs[0].done(std::move(outcomes[0]));
    return;
  }

  // The records whose candidates are read ahead, in the order resolved.
  std::size_t ahead = 0;
  if (read_ahead_) {
    std::vector<const Record*> wanted;
    for (const auto& job : jobs)
      for (const auto& r : job.records)
        if (identity::CandidatePrefetch::Wants(r)) wanted.push_back(&r);
    read_ahead_->Begin(std::move(wanted));
  }
  Status fatal;
  for (std::size_t j = 0; j < jobs.size() && fatal.ok(); ++j) {
    auto& job = jobs[j];
    for (std::size_t i = 0; i < job.records.size(); ++i) {
      const Record& r = job.records[i];
      if (read_ahead_ && identity::CandidatePrefetch::Wants(r)) read_ahead_->Reached(ahead++);
      if (!r.replaceable) {
        if (group_dedup_.count(r.dedup_key) || inflight_dedup_.count(r.dedup_key)) {
          outcomes[j].accepted += 1;
          outcomes[j].duplicates += 1;
          continue;
        }
        auto seen = reader_.Get(Cf::kDedup, r.dedup_key);
        if (!seen.ok()) {
          outcomes[j].rejected.push_back({job.indexes[i], seen.status().error_code(), seen.status().message()});
          continue;
        }
        if (seen->has_value()) {
          outcomes[j].accepted += 1;
          outcomes[j].duplicates += 1;
          continue;
        }
      }
      bool commit_failed = false;
      const std::size_t merges_before = outcomes[j].merges, created_before = outcomes[j].created.size();
      Status s = ProcessRecord(r, batch, outcomes[j], commit_failed);
      if (commit_failed) {
        fatal = s;
        break;
      }
      if (!s.ok()) {
        // The record failed before changing anything (plans only read): it
        // is rejected alone and the group goes on.
        spdlog::error("record rejected by the resolver: {}", s.message());
        outcomes[j].rejected.push_back({job.indexes[i], s.error_code(), s.message()});
        continue;
      }
      if (!r.replaceable) {
        batch.Put(Cf::kDedup, r.dedup_key, "");
        group_dedup_.insert(r.dedup_key);
      }
      outcomes[j].accepted += 1;
      stored += 1;
      merges += outcomes[j].merges - merges_before;
      created += outcomes[j].created.size() - created_before;
    }
  }

  if (read_ahead_) {
    const ReadAhead::Counts counts = read_ahead_->End();
    metrics_.Add("seam_read_ahead_records_total", counts.warmed);
    metrics_.Add("seam_read_ahead_skipped_total", counts.skipped);
  }
  if (!fatal.ok()) {
    spdlog::error("group commit failed: {}", fatal.message());
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      WriteOutcome failed;
      failed.status = fatal;
      jobs[j].done(std::move(failed));
    }
    return;
  }

  // The group is flushed and handed to the commit thread; the next group is
  // planned meanwhile against the objects as this one leaves them. Objects
  // are evicted only once nothing is in flight (Trim), and this group's
  // messageIds stay visible to the dedup check until its batch is written.
  AwaitCommitted();
  resolver_.Trim();
  profiles_.Trim();
  resolver_.Flush(batch);
  profiles_.Flush(batch);
  resolver_.MarkClean();
  profiles_.MarkClean();
  inflight_dedup_ = std::move(group_dedup_);
  group_dedup_.clear();
  std::vector<Done> dones;
  dones.reserve(jobs.size());
  for (auto& job : jobs) dones.push_back(std::move(job.done));
  CommitInBackground(std::move(owned_batch), [this, dones = std::move(dones), outcomes = std::move(outcomes), stored,
                                              merges, created](const Status& commit) mutable {
    // A failed write leaves the store refusing every later one until a
    // restart (store.h), so the objects this group left in the writer's
    // tables are never written on top of: no undo is needed.
    if (!commit.ok()) {
      for (auto& done : dones) {
        WriteOutcome failed;
        failed.status = commit;
        done(std::move(failed));
      }
      return;
    }
    metrics_.Add("seam_events_ingested_total", stored);
    metrics_.Add("seam_profile_merges_total", merges);
    metrics_.Add("seam_profiles_created_total", created);
    metrics_.Add("seam_group_commits_total");
    for (std::size_t j = 0; j < dones.size(); ++j) dones[j](std::move(outcomes[j]));
  });
}

}  // namespace seam::ingest
