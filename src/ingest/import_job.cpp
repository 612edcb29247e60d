#include "ingest/import_job.h"

#include <spdlog/spdlog.h>

namespace seam::ingest {

nlohmann::json ImportReport::ToJson() const {
  auto errs = nlohmann::json::array();
  for (const auto& e : errors) {
    nlohmann::json j = {{"line", e.line}, {"reason", e.reason}};
    j["column"] = e.column.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.column);
    errs.push_back(std::move(j));
  }
  nlohmann::json j = {{"import_id", import_id},
                      {"kind", kind},
                      {"status", status},
                      {"rows", rows},
                      {"accepted", accepted},
                      {"rejected", rejected},
                      {"anonymous", anonymous},
                      {"records", records},
                      {"unchanged", unchanged},
                      {"updated", updated},
                      {"profiles_created", profiles_created},
                      {"profiles_merged", profiles_merged},
                      {"errors", std::move(errs)},
                      {"errors_omitted", errors_omitted},
                      {"started_at", FormatIso8601(started_at)}};
  j["finished_at"] = finished_at != 0 ? nlohmann::json(FormatIso8601(finished_at)) : nlohmann::json(nullptr);
  if (!message.empty()) j["message"] = message;
  if (!code.empty()) j["code"] = code;
  j["options"] = options;
  return j;
}

std::optional<ImportReport> ImportReport::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  try {
    ImportReport r;
    r.import_id = j.at("import_id").get<std::string>();
    r.kind = j.at("kind").get<std::string>();
    r.status = j.at("status").get<std::string>();
    if (j.contains("message")) r.message = j.at("message").get<std::string>();
    if (j.contains("code")) r.code = j.at("code").get<std::string>();
    for (auto [field, slot] : {std::pair{"rows", &r.rows}, {"accepted", &r.accepted}, {"rejected", &r.rejected},
                               {"anonymous", &r.anonymous}, {"records", &r.records}, {"unchanged", &r.unchanged},
                               {"updated", &r.updated}, {"profiles_created", &r.profiles_created},
                               {"profiles_merged", &r.profiles_merged}, {"errors_omitted", &r.errors_omitted}})
      *slot = j.at(field).get<uint64_t>();
    for (const auto& e : j.at("errors"))
      r.errors.push_back({e.at("line").get<uint64_t>(), e.at("column").is_null() ? "" : e.at("column").get<std::string>(),
                          e.at("reason").get<std::string>()});
    if (auto t = ParseIso8601(j.at("started_at").get<std::string>())) r.started_at = *t;
    if (j.at("finished_at").is_string())
      if (auto t = ParseIso8601(j.at("finished_at").get<std::string>())) r.finished_at = *t;
    if (j.contains("options") && j.at("options").is_object()) r.options = j.at("options");
    return r;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

ImportReport InitialReport(const ImportOptions& options) {
  ImportReport r;
  r.import_id = options.import_id;
  r.kind = ImportKindName(options.kind);
  r.started_at = options.received_at;
  r.options = {{"format", options.ndjson ? "ndjson" : "csv"},
               {"encoding", CharsetName(options.charset)},
               {"map", options.mapping},
               {"async", options.async}};
  return r;
}

std::shared_ptr<ImportJob> ImportJob::Create(ImportOptions options, ImportDeps deps) {
  return std::shared_ptr<ImportJob>(new ImportJob(std::move(options), std::move(deps)));
}

ImportJob::ImportJob(ImportOptions options, ImportDeps deps)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      context_{deps_.config, deps_.normalizer, deps_.blocklist, options_.import_id, options_.received_at},
      report_(InitialReport(options_)) {
  if (options_.kind == ImportKind::kPos)
    receipts_ = std::make_unique<ReceiptAssembler>(context_, options_.max_open_receipts);
  if (options_.ndjson)
    ndjson_ = std::make_unique<NdjsonReader>([this](const NdjsonLine& line) {
      OnNdjsonLine(line);
      return true;
    });
  else
    csv_ = std::make_unique<CsvReader>([this](const CsvRow& row) { return OnCsvRow(row); });
}

Status ImportJob::Feed(std::string_view piece, std::function<void()> ready) {
  if (!fatal_.ok()) return fatal_;
  if (csv_)
    csv_->Feed(piece);
  else
    ndjson_->Feed(piece);
  if (!fatal_.ok()) return fatal_;
  SubmitPending();
  std::unique_lock lock(mu_);
  if (in_flight_ < options_.max_in_flight) {
    lock.unlock();
    ready();
  } else {
    ready_ = std::move(ready);  // called when a batch comes back
  }
  return Status::Ok();
}

void ImportJob::Reject(RowError error, uint32_t rows) {
  std::lock_guard lock(mu_);
  report_.rejected += rows;
  if (report_.errors.size() < options_.max_errors)
    report_.errors.push_back(std::move(error));
  else
    report_.errors_omitted += 1;
}

bool ImportJob::OnCsvRow(const CsvRow& row) {
  if (!header_) {
    // The first row names the columns.
    std::vector<std::string> names;
    for (const auto& f : row.fields) {
      auto utf8 = ToUtf8(f, options_.charset);
      if (!utf8.ok() || row.error) {
        fatal_ = Status::Invalid("bad_header", "the header row cannot be read" +
                                                   (row.error ? ": " + *row.error : std::string(" in ") +
                                                                                       std::string(CharsetName(options_.charset))));
        return false;
      }
      names.push_back(std::move(*utf8));
    }
    auto map = HeaderMap::Build(options_.kind, names, options_.mapping);
    if (!map.ok()) {
      fatal_ = map.status();
      return false;
    }
    header_ = std::move(*map);
    header_fields_ = names.size();
    return true;
  }
  {
    std::lock_guard lock(mu_);
    report_.rows += 1;
  }
  if (row.error) {
    std::string column;
    if (row.error_column > 0 && row.error_column <= header_->slots().size()) {
      const auto& slot = header_->slots()[row.error_column - 1];
      column = slot.kind == HeaderMap::Slot::kKnown ? ColumnName(slot.column) : slot.name;
    }
    Reject({row.line, column, *row.error});
    return true;
  }
  if (row.fields.size() != header_fields_) {
    Reject({row.line, "",
            "the row has " + std::to_string(row.fields.size()) + " fields; the header has " +
                std::to_string(header_fields_)});
    return true;
  }
  converted_.resize(row.fields.size());
  for (std::size_t i = 0; i < row.fields.size(); ++i) {
    auto utf8 = ToUtf8(row.fields[i], options_.charset);
    if (!utf8.ok()) {
      const auto& slot = header_->slots()[i];
      Reject({row.line, slot.kind == HeaderMap::Slot::kKnown ? ColumnName(slot.column) : slot.name,
              "is not valid " + std::string(CharsetName(options_.charset)) +
                  " (declare the file's encoding with ?encoding=cp949 or charset=cp949)"});
      return true;
    }
    converted_[i] = std::move(*utf8);
  }
  row_.line = row.line;
  header_->Fill(converted_, row_);
  TakeRow(row_);
  return true;
}

void ImportJob::OnNdjsonLine(const NdjsonLine& line) {
  {
    std::lock_guard lock(mu_);
    report_.rows += 1;
  }
  if (line.error) return Reject({line.line, "", *line.error});
  std::string text = line.text;
  if (options_.charset != Charset::kUtf8) {
    auto utf8 = ToUtf8(text, options_.charset);
    if (!utf8.ok()) return Reject({line.line, "", "is not valid " + std::string(CharsetName(options_.charset))});
    text = std::move(*utf8);
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Reject({line.line, "", "is not a JSON object"});
  std::vector<std::string> names, values;
  for (auto it = j.begin(); it != j.end(); ++it) {
    names.push_back(it.key());
    if (it->is_string())
      values.push_back(it->get<std::string>());
    else if (it->is_number() || it->is_boolean())
      values.push_back(it->dump());
    else if (it->is_null())
      values.emplace_back();
    else
      return Reject({line.line, it.key(), "must be a string, a number or a boolean"});
  }
  auto map = HeaderMap::ForFields(options_.kind, names, options_.mapping, true);
  if (!map.ok()) return Reject({line.line, "", map.status().message()});
  row_.line = line.line;
  map->Fill(values, row_);
  TakeRow(row_);
}

void ImportJob::TakeRow(ImportRow& row) {
  std::vector<BuiltRecord> built;
  if (options_.kind == ImportKind::kCustomers) {
    auto r = CustomerRecord(row, context_);
    if (auto* e = std::get_if<RowError>(&r)) return Reject(std::move(*e));
    built.push_back(std::move(std::get<BuiltRecord>(r)));
  } else if (auto e = receipts_->Add(row, built)) {
    return Reject(std::move(*e));
  }
  AddBuilt(built);
}

void ImportJob::AddBuilt(std::vector<BuiltRecord>& built) {
  for (auto& b : built) {
    if (b.anonymous()) {
      std::lock_guard lock(mu_);
      report_.anonymous += b.rows;
      continue;
    }
    pending_spans_.emplace_back(b.first_line, b.rows);
    pending_.push_back(std::move(b.record));
    if (pending_.size() >= options_.batch_records) SubmitPending();
  }
}

void ImportJob::SubmitPending() {
  if (pending_.empty()) return;
  std::vector<Record> records = std::move(pending_);
  auto spans = std::move(pending_spans_);
  pending_.clear();
  pending_spans_.clear();
  std::vector<int> indexes(records.size());
  for (std::size_t i = 0; i < indexes.size(); ++i) indexes[i] = static_cast<int>(i);
  {
    std::lock_guard lock(mu_);
    in_flight_ += 1;
  }
  auto self = shared_from_this();
  const bool queued = deps_.writer.SubmitUnbounded(std::move(records), std::move(indexes),
                                                   [self, spans](WriteOutcome outcome) {
                                                     self->OnBatchDone(spans, std::move(outcome));
                                                   });
  if (!queued) {
    WriteOutcome stopped;
    stopped.status = Status::Unavailable("the server is shutting down");
    OnBatchDone(spans, std::move(stopped));
  }
}

void ImportJob::OnBatchDone(const std::vector<std::pair<uint64_t, uint32_t>>& spans, WriteOutcome outcome) {
  std::unique_lock lock(mu_);
  in_flight_ -= 1;
  uint64_t rows = 0;
  for (const auto& [line, n] : spans) rows += n;
  if (!outcome.status.ok()) {
    // Nothing of the batch is known to be durable: its rows are refused, and
    // the file failed (re-sending it is safe: the import is idempotent).
    report_.rejected += rows;
    report_.status = "failed";
    report_.code = "store_unavailable";
    report_.message = "the store refused writes: " + outcome.status.message() + " (re-send the file; it is idempotent)";
    if (report_.errors.size() < options_.max_errors && !spans.empty())
      report_.errors.push_back({spans.front().first, "", "not stored: " + outcome.status.message()});
  } else {
    std::vector<bool> refused(spans.size(), false);
    for (const auto& rej : outcome.rejected) {
      if (rej.index < 0 || static_cast<std::size_t>(rej.index) >= spans.size()) continue;
      refused[static_cast<std::size_t>(rej.index)] = true;
      report_.rejected += spans[static_cast<std::size_t>(rej.index)].second;
      if (report_.errors.size() < options_.max_errors)
        report_.errors.push_back({spans[static_cast<std::size_t>(rej.index)].first, "", rej.error});
      else
        report_.errors_omitted += 1;
    }
    for (std::size_t i = 0; i < spans.size(); ++i) {
      if (refused[i]) continue;
      report_.accepted += spans[i].second;
      report_.records += 1;
    }
    report_.unchanged += outcome.duplicates;
    report_.updated += outcome.replaced;
    report_.profiles_created += outcome.created.size();
    report_.profiles_merged += outcome.merges;
  }
  std::function<void()> ready;
  if (ready_ && in_flight_ < options_.max_in_flight) ready = std::move(ready_);
  // Progress once per stored batch — never per row: one small unsynced
  // write next to the batch's synced commit. Not once the import failed
  // (its final report follows) nor when this batch was the last.
  std::optional<ImportReport> progress;
  uint64_t version = 0;
  if (report_.status == "running" && !(finishing_ && in_flight_ == 0)) {
    progress = report_;
    version = ++version_;
  }
  MaybeComplete(lock);
  if (lock.owns_lock()) lock.unlock();
  if (progress) SaveInOrder(*progress, version, false);
  if (ready) ready();
}

void ImportJob::SaveInOrder(const ImportReport& report, uint64_t version, bool final) {
  if (!deps_.save) return;
  std::lock_guard lock(save_mu_);
  if (version < saved_version_) return;
  saved_version_ = version;
  deps_.save(report, final);
}

void ImportJob::MaybeComplete(std::unique_lock<std::mutex>& lock) {
  if (!finishing_ || in_flight_ > 0 || !done_) return;
  if (report_.status == "running") report_.status = "done";
  report_.finished_at = deps_.now ? deps_.now() : report_.started_at;
  auto done = std::move(done_);
  ImportReport final_report = report_;
  const uint64_t version = ++version_;
  lock.unlock();
  SaveInOrder(final_report, version, true);
  done(final_report);
}

void ImportJob::Finish(bool complete, std::function<void(const ImportReport&)> done) {
  if (fatal_.ok()) {
    if (csv_) csv_->Finish();
    else ndjson_->Finish();
    if (receipts_) {
      std::vector<BuiltRecord> rest;
      receipts_->Finish(rest);
      AddBuilt(rest);
    }
    SubmitPending();
  }
  std::unique_lock lock(mu_);
  if (!fatal_.ok()) {
    report_.status = "failed";
    report_.code = fatal_.error_code();
    report_.message = fatal_.message();
  } else if (!complete && report_.status == "running") {
    report_.status = "aborted";
    report_.message = "the upload ended before the file did; what arrived was imported (re-send the whole file: it is idempotent)";
  } else if (csv_ && !header_ && report_.status == "running") {
    report_.status = "failed";
    report_.code = "empty_file";
    report_.message = "the file is empty: it needs a header row";
  }
  finishing_ = true;
  done_ = std::move(done);
  MaybeComplete(lock);
}

ImportReport ImportJob::Snapshot() const {
  std::lock_guard lock(mu_);
  return report_;
}

}  // namespace seam::ingest
