// The single-writer stage with group commit. Ingest threads submit parsed
// Records; one thread resolves everything queued, in arrival order, into one
// WriteBatch, syncs the WAL once, and only then answers every request in the
// group: acknowledged means durable, and many requests share one fsync.
//
// What can be computed without the graph — keyed hashes, the sig id, the
// sealed timeline entry — is computed by Submit on the submitting thread,
// so the writer thread spends its time on resolution alone.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "common/background_release.h"
#include "identity/candidate_prefetch.h"
#include "identity/resolver.h"
#include "ingest/read_ahead.h"
#include "ingest/segment.h"
#include "profile/profile_writer.h"
#include "seam/metrics.h"
#include "seam/record.h"
#include "store/store.h"

namespace seam::ingest {

struct WriteOutcome {
  Status status;  // not ok: nothing of the request was made durable (503)
  std::size_t accepted = 0;    // stored now, or already stored (a retried messageId)
  std::size_t duplicates = 0;  // of accepted: already stored before (or unchanged on re-import)
  std::size_t replaced = 0;    // of accepted: replaceable records whose earlier version was replaced
  std::vector<Rejection> rejected;
  std::set<std::string> created;  // profile ids created by this request's records
  std::size_t merges = 0;         // profile ids retired by this request's records
};

struct WriterOptions {
  std::size_t queue_capacity = 256;      // requests waiting; beyond it Submit refuses (429)
  std::size_t max_group_records = 20000; // records resolved per WAL sync at most
  bool sync = true;                      // false only in tests that prove durability tests can fail
  // Merges a part of a replaceable record with its stored part from the same
  // import (Record::merge_group): false when the stored entry is no such part.
  std::function<bool(const nlohmann::json& stored_event, Record& incoming)> merge_parts;
  profile::Survivorship survivorship;  // which trait value wins (config profile.survivorship)
  // Records with match attributes whose candidates a second thread reads
  // ahead of the writer, at most this many ahead (read_ahead.h); 0: none.
  std::size_t read_ahead = 128;
};

class Writer {
 public:
  using Done = std::function<void(WriteOutcome)>;

  Writer(store::Store& store, identity::Resolver& resolver, Metrics& metrics, WriterOptions options);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void Start();
  // Drains what is queued, then stops the thread.
  void Stop();

  // False when the queue is full or the writer is stopping: the caller
  // answers 429/503 with Retry-After and nothing was taken. Otherwise `done`
  // is called exactly once, on the writer's commit thread, once the
  // request's records are durable (or known not to be). `indexes[i]` is what a
  // rejection of records[i] reports as its index.
  bool Submit(std::vector<Record> records, std::vector<int> indexes, Done done);
  // The same, never refused for a full queue: for imports, which bound
  // their own batches in flight (a file must not fail halfway for a 429).
  bool SubmitUnbounded(std::vector<Record> records, std::vector<int> indexes, Done done);

  // Runs `fn` on the writer thread between groups (for admin changes that
  // must not interleave with resolution); blocks until it ran and its batch
  // (and any graph change) is committed.
  Status RunExclusive(const std::function<Status(store::Batch&)>& fn);
  // Plans (with `make`) and applies one change of the identity graph on the
  // writer thread: an admin's decision, a release from quarantine.
  Result<identity::ResolveResult> RunPlan(const std::function<Result<identity::Plan>(identity::Resolver&)>& make);
  // Makes `model` the active one and re-evaluates every stored pair under
  // it: each attribute node's candidates are scored again and what changed
  // is re-partitioned. Ingest waits meanwhile. Returns the nodes re-scored.
  Result<std::size_t> Reevaluate(identity::MatchModel model);

  // The derivation Submit performs (public for tests and tools).
  void Derive(Record& record) const;

 private:
  struct Job {
    std::vector<Record> records;
    std::vector<int> indexes;
    Done done;
    std::function<Status(store::Batch&)> exclusive;
  };
  void Loop();
  void ProcessGroup(std::vector<Job>& jobs);
  // One record into the group; a Status only for an internal failure of it.
  Status ProcessRecord(const Record& record, store::Batch& batch, WriteOutcome& outcome, bool& committed_early);
  bool Enqueue(std::vector<Record> records, std::vector<int> indexes, Done done, bool bounded);
  // Writes the group so far, synchronously (after any commit in flight).
  Status CommitGroup(store::Batch& batch);
  // Hands the group's batch to the commit thread, which writes it and then
  // calls `then` with the outcome, while this thread plans the next group.
  // REQUIRES: AwaitCommitted() since the last hand-over (nothing in flight).
  void CommitInBackground(std::unique_ptr<store::Batch> batch, std::function<void(const Status&)> then);
  // Returns once no batch is being written: everything flushed is durable
  // (or the store has failed). Writer thread only.
  void AwaitCommitted();
  void CommitLoop();

  store::Store& store_;
  store::LiveReader reader_;
  identity::Resolver& resolver_;
  profile::ProfileWriter profiles_;
  Metrics& metrics_;
  WriterOptions options_;
  std::set<std::string> group_dedup_;     // writer thread only
  std::set<std::string> inflight_dedup_;  // the batch being written's: writer thread only
  // Reads the group's candidates ahead of the writer (null when off).
  identity::CandidatePrefetch candidates_;
  std::unique_ptr<ReadAhead> read_ahead_;
  // A group's records, once answered, are freed off the writer thread.
  BackgroundRelease<std::vector<std::vector<Record>>> released_records_{"seam-release"};

  std::mutex mu_;  // guards queue_ and stopping_
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;

  // The commit thread: one batch at a time, written (WAL synced) while the
  // writer plans the next group, so the fsync and RocksDB's memtable
  // inserts leave the single writer's critical path.
  struct InFlight {
    std::unique_ptr<store::Batch> batch;
    std::function<void(const Status&)> then;
  };
  std::mutex commit_mu_;  // guards the three below
  std::condition_variable commit_cv_;
  std::optional<InFlight> to_commit_;  // handed over, being written until reset
  bool commit_stopping_ = false;
  std::thread committer_;
};

}  // namespace seam::ingest
