// One import of a POS or customer export, fed as it arrives: bytes -> rows
// (CSV or NDJSON) -> records -> the writer, in batches, with a bounded number
// in flight, so a file of any size needs bounded memory and a slow store
// slows the upload instead of filling memory. Bad rows are reported (line,
// column, reason) and never stop the file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ingest/charset.h"
#include "ingest/csv_reader.h"
#include "ingest/import_records.h"
#include "ingest/import_schema.h"
#include "ingest/writer.h"

namespace seam::ingest {

struct ImportReport {
  std::string import_id;
  std::string kind;            // "pos" | "customers"
  std::string status = "running";  // running | done | failed | aborted
  std::string message;         // why it failed or was cut off
  std::string code;            // machine-readable: missing_columns, empty_file, store_unavailable, ...
  uint64_t rows = 0;           // data rows read (not the header, not blank lines)
  uint64_t accepted = 0;       // rows stored, or already stored unchanged
  uint64_t rejected = 0;       // rows refused (see errors)
  uint64_t anonymous = 0;      // rows with no customer identifier: nothing to attribute, not stored
  uint64_t records = 0;        // receipts or customer rows stored or confirmed
  uint64_t unchanged = 0;      // of records: identical to what was stored (re-import)
  uint64_t updated = 0;        // of records: a correction of a stored one
  uint64_t profiles_created = 0;
  uint64_t profiles_merged = 0;
  std::vector<RowError> errors;  // the first max_errors
  uint64_t errors_omitted = 0;
  Micros started_at = 0;
  Micros finished_at = 0;
  // How the upload asked to be read: {"format","encoding","map","async"}.
  nlohmann::json options = nlohmann::json::object();

  nlohmann::json ToJson() const;
  static std::optional<ImportReport> FromJson(const nlohmann::json& j);
};

struct ImportOptions {
  ImportKind kind = ImportKind::kPos;
  std::string import_id;
  Charset charset = Charset::kUtf8;
  bool ndjson = false;
  std::map<std::string, std::string> mapping;  // their header -> known column
  Micros received_at = 0;
  std::size_t batch_records = 2000;
  std::size_t max_in_flight = 4;
  std::size_t max_open_receipts = 5000;
  std::size_t max_errors = 100;
  bool async = false;
};

// The report of an import that has not read a row yet: its id, kind, start
// and options, status "running".
ImportReport InitialReport(const ImportOptions& options);

struct ImportDeps {
  const Config& config;
  const Normalizer& normalizer;
  const Blocklist& blocklist;
  Writer& writer;
  // Stores the report: progress after each stored batch while running
  // (`final` false: not synced), the final report at the end (synced).
  std::function<void(const ImportReport&, bool final)> save;
  std::function<Micros()> now;  // wall clock, for the report's finished_at
};

class ImportJob : public std::enable_shared_from_this<ImportJob> {
 public:
  static std::shared_ptr<ImportJob> Create(ImportOptions options, ImportDeps deps);

  // Takes the next piece of the file. `ready` is called once, perhaps on
  // the writer thread, when the job can take the next piece. A Status means
  // the file cannot be imported at all (its header lacks a required column,
  // say): nothing more should be fed, and the report says why.
  Status Feed(std::string_view piece, std::function<void()> ready);
  // The file ended (`complete`) or was cut off. `done` receives the final
  // report once every batch is resolved and the report is saved.
  void Finish(bool complete, std::function<void(const ImportReport&)> done);

  ImportReport Snapshot() const;

 private:
  ImportJob(ImportOptions options, ImportDeps deps);
  bool OnCsvRow(const CsvRow& row);
  void OnNdjsonLine(const NdjsonLine& line);
  void TakeRow(ImportRow& row);
  void AddBuilt(std::vector<BuiltRecord>& built);
  void SubmitPending();
  void Reject(RowError error, uint32_t rows = 1);
  void OnBatchDone(const std::vector<std::pair<uint64_t, uint32_t>>& spans, WriteOutcome outcome);
  void MaybeComplete(std::unique_lock<std::mutex>& lock);
  // Saves a report taken under mu_ as `version`, unless a later one was
  // saved already: batches finish on the writer thread and the file on the
  // caller's, so two saves can race, and progress must never overwrite the
  // final report nor newer progress.
  void SaveInOrder(const ImportReport& report, uint64_t version, bool final);

  ImportOptions options_;
  ImportDeps deps_;
  ImportContext context_;
  std::unique_ptr<CsvReader> csv_;
  std::unique_ptr<NdjsonReader> ndjson_;
  std::optional<HeaderMap> header_;
  std::size_t header_fields_ = 0;
  std::unique_ptr<ReceiptAssembler> receipts_;
  Status fatal_;
  std::vector<std::string> converted_;  // per-row scratch: fields in UTF-8
  ImportRow row_;                       // per-row scratch

  // Records waiting for the next batch, with (first line, rows) of each.
  std::vector<Record> pending_;
  std::vector<std::pair<uint64_t, uint32_t>> pending_spans_;

  mutable std::mutex mu_;  // guards everything below (writer callbacks run on its thread)
  ImportReport report_;
  std::size_t in_flight_ = 0;
  std::function<void()> ready_;  // waiting for a batch to finish
  bool finishing_ = false;
  std::function<void(const ImportReport&)> done_;
  uint64_t version_ = 0;  // of the last report taken to be saved

  std::mutex save_mu_;         // held while saving: orders the saves
  uint64_t saved_version_ = 0;  // guarded by save_mu_
};

}  // namespace seam::ingest
