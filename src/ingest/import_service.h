// Imports as a service: starts ImportJobs, keeps their reports, and runs
// asynchronous imports (?async=true) from an encrypted spool file on a
// thread of their own — resumed after a restart, since an import is
// idempotent and can simply run again from the start.
#pragma once

#include <condition_variable>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "ingest/import_job.h"
#include "store/store.h"

namespace seam::ingest {

struct ImportSettings {
  std::map<std::string, std::string> pos_map;        // config import.pos_map
  std::map<std::string, std::string> customers_map;  // config import.customers_map
  std::size_t batch_records = 2000;
  std::size_t max_in_flight = 4;
  std::size_t max_open_receipts = 5000;
  std::size_t max_errors = 100;
  std::string spool_dir;  // where async uploads wait (encrypted); default <data_dir>/imports
};

// Collects an async upload into the spool: sealed frames, so the data dir
// never holds a customer file in clear. Until Close() succeeds the file is
// the upload's own: an upload that fails or is abandoned — the client gone,
// the body over the limit, the server stopping — removes it (Discard, or
// the destructor), so nothing is left that no import will ever read.
class SpoolWriter {
 public:
  static Result<std::unique_ptr<SpoolWriter>> Create(const std::string& path, const Sealer& sealer,
                                                     std::string import_id);
  Status Append(std::string_view piece);
  // Writes what is buffered and syncs the file: after this the upload is
  // safe and the file belongs to the import queue (deleted once imported).
  Status Close();
  // Closes and removes the file: this upload will never be imported.
  void Discard();
  ~SpoolWriter();  // Discard() unless Close() succeeded

 private:
  SpoolWriter(std::string path, const Sealer& sealer, std::string import_id, int fd);
  Status WriteFrame();
  std::string path_;
  const Sealer& sealer_;
  std::string import_id_;
  int fd_;
  bool kept_ = false;  // Close() succeeded: the queue owns the file now
  std::string buffer_;
  uint64_t frames_ = 0;
};

class ImportService {
 public:
  ImportService(store::Store& store, const Config& config, const Normalizer& normalizer,
                const Blocklist& blocklist, Writer& writer, ImportSettings settings, std::function<Micros()> now);
  ~ImportService();

  // A job for one upload (its report saved as it goes).
  std::shared_ptr<ImportJob> Start(ImportOptions options);
  // The options an upload's request asks for, filled with the configured ones.
  ImportOptions Options(ImportKind kind, std::string import_id, Charset charset, bool ndjson,
                        std::map<std::string, std::string> request_map) const;

  // Async: the spool the upload is written to, then Enqueue once it is closed.
  Result<std::unique_ptr<SpoolWriter>> OpenSpool(const std::string& import_id);
  void Enqueue(ImportOptions options);
  // Re-queues async imports a restart interrupted, fails those whose spool
  // is gone, and removes spool files no queued import owns (uploads a crash
  // cut off). Call once at start, before any request is served.
  Status Resume();
  void Stop();

  Result<std::optional<ImportReport>> Report(const std::string& import_id);
  void Save(const ImportReport& report, bool final);
  static std::string NewImportId();

 private:
  std::string SpoolPath(const std::string& import_id) const;
  // Ends an import that cannot start because its spool is missing: failed,
  // with code spool_missing, so its id does not stay "queued" for ever.
  void FailSpoolMissing(ImportReport report);
  void RemoveOrphanSpools(const std::set<std::string>& owned);
  void RunLoop();
  void RunOne(const ImportOptions& options);

  store::Store& store_;
  const Config& config_;
  const Normalizer& normalizer_;
  const Blocklist& blocklist_;
  Writer& writer_;
  ImportSettings settings_;
  std::function<Micros()> now_;

  std::mutex mu_;  // guards queue_, stopping_
  std::condition_variable cv_;
  std::deque<ImportOptions> queue_;
  bool stopping_ = false;
  std::thread runner_;
};

}  // namespace seam::ingest
