#include "ingest/import_service.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <future>

#include <spdlog/spdlog.h>

#include "seam/crypto.h"

namespace seam::ingest {
namespace {

// Spool frames: 4-byte big-endian length, then the sealed frame. A frame's
// AAD is the import id and its index, so frames cannot be reordered or
// moved between uploads unnoticed.
constexpr std::size_t kSpoolFrame = 1 << 20;

std::string FrameAad(const std::string& import_id, uint64_t index) {
  return "spool\0" + import_id + "\0" + std::to_string(index);
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Unavailable(std::string("spool write failed: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<SpoolWriter>> SpoolWriter::Create(const std::string& path, const Sealer& sealer,
                                                         std::string import_id) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create the import spool: " + std::string(std::strerror(errno)));
  return std::unique_ptr<SpoolWriter>(new SpoolWriter(path, sealer, std::move(import_id), fd));
}

SpoolWriter::SpoolWriter(std::string path, const Sealer& sealer, std::string import_id, int fd)
    : path_(std::move(path)), sealer_(sealer), import_id_(std::move(import_id)), fd_(fd) {}

SpoolWriter::~SpoolWriter() { Discard(); }

void SpoolWriter::Discard() {
  if (kept_) return;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
    spdlog::warn("cannot remove the spool of abandoned upload {}: {}", import_id_, std::strerror(errno));
}

Status SpoolWriter::WriteFrame() {
  if (buffer_.empty()) return Status::Ok();
  const std::string sealed = sealer_.Seal(buffer_, FrameAad(import_id_, frames_++));
  buffer_.clear();
  std::string header(4, '\0');
  for (int i = 0; i < 4; ++i) header[static_cast<std::size_t>(i)] = static_cast<char>((sealed.size() >> (24 - 8 * i)) & 0xff);
  if (Status s = WriteAll(fd_, header); !s.ok()) return s;
  return WriteAll(fd_, sealed);
}

Status SpoolWriter::Append(std::string_view piece) {
  buffer_.append(piece);
  if (buffer_.size() >= kSpoolFrame) return WriteFrame();
  return Status::Ok();
}

Status SpoolWriter::Close() {
  if (kept_ || fd_ < 0) return Status::Unavailable("the import spool is closed");
  if (Status s = WriteFrame(); !s.ok()) return s;
  if (::fsync(fd_) != 0) return Status::Unavailable("cannot sync the import spool");
  ::close(fd_);
  fd_ = -1;
  kept_ = true;
  return Status::Ok();
}

ImportService::ImportService(store::Store& store, const Config& config, const Normalizer& normalizer,
                             const Blocklist& blocklist, Writer& writer, ImportSettings settings,
                             std::function<Micros()> now)
    : store_(store),
      config_(config),
      normalizer_(normalizer),
      blocklist_(blocklist),
      writer_(writer),
      settings_(std::move(settings)),
      now_(std::move(now)) {
  if (settings_.spool_dir.empty()) settings_.spool_dir = (std::filesystem::path(store.path()) / "imports").string();
  runner_ = std::thread([this] { RunLoop(); });
}

ImportService::~ImportService() { Stop(); }

void ImportService::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (runner_.joinable()) runner_.join();
}

std::string ImportService::NewImportId() { return "imp_" + RandomBase62(20); }

ImportOptions ImportService::Options(ImportKind kind, std::string import_id, Charset charset, bool ndjson,
                                     std::map<std::string, std::string> request_map) const {
  ImportOptions o;
  o.kind = kind;
  o.import_id = std::move(import_id);
  o.charset = charset;
  o.ndjson = ndjson;
  o.mapping = kind == ImportKind::kPos ? settings_.pos_map : settings_.customers_map;
  for (auto& [their, ours] : request_map) o.mapping[their] = ours;  // the request's own map wins
  o.received_at = now_();
  o.batch_records = settings_.batch_records;
  o.max_in_flight = settings_.max_in_flight;
  o.max_open_receipts = settings_.max_open_receipts;
  o.max_errors = settings_.max_errors;
  return o;
}

void ImportService::Save(const ImportReport& report, bool final) {
  Status s = store_.PutOne(store::Cf::kImports, report.import_id, report.ToJson().dump(), final);
  if (!s.ok()) spdlog::error("cannot save import report {}: {}", report.import_id, s.message());
}

std::shared_ptr<ImportJob> ImportService::Start(ImportOptions options) {
  ImportDeps deps{config_, normalizer_, blocklist_, writer_,
                  [this](const ImportReport& r, bool final) { Save(r, final); }, now_};
  auto job = ImportJob::Create(std::move(options), std::move(deps));
  Save(job->Snapshot(), false);
  return job;
}

Result<std::optional<ImportReport>> ImportService::Report(const std::string& import_id) {
  auto raw = store_.GetOne(store::Cf::kImports, import_id);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<ImportReport>();
  auto report = ImportReport::FromJson(nlohmann::json::parse(**raw, nullptr, false));
  if (!report) return Status::Internal("corrupt import report");
  return std::optional<ImportReport>(std::move(*report));
}

std::string ImportService::SpoolPath(const std::string& import_id) const {
  return (std::filesystem::path(settings_.spool_dir) / (import_id + ".spool")).string();
}

Result<std::unique_ptr<SpoolWriter>> ImportService::OpenSpool(const std::string& import_id) {
  std::error_code ec;
  std::filesystem::create_directories(settings_.spool_dir, ec);
  if (ec) return Status::Unavailable("cannot create the import spool directory: " + ec.message());
  return SpoolWriter::Create(SpoolPath(import_id), store_.sealer(), import_id);
}

void ImportService::Enqueue(ImportOptions options) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(options));
  }
  cv_.notify_one();
}

void ImportService::FailSpoolMissing(ImportReport report) {
  report.status = "failed";
  report.code = "spool_missing";
  report.message = "the uploaded file is no longer in the import spool (import.spool_dir), so it cannot be "
                   "imported; re-send the file (it is idempotent)";
  report.finished_at = now_();
  spdlog::error("import {}: its spool file is missing", report.import_id);
  Save(report, true);
}

void ImportService::RemoveOrphanSpools(const std::set<std::string>& owned) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(settings_.spool_dir, ec)) {
    const auto& path = entry.path();
    if (path.extension() != ".spool" || owned.count(path.stem().string())) continue;
    spdlog::info("removing the spool of an upload that never completed: {}", path.filename().string());
    std::error_code rm;
    std::filesystem::remove(path, rm);
  }
}

Status ImportService::Resume() {
  std::vector<ImportOptions> again;
  std::vector<ImportReport> lost;
  std::set<std::string> owned;
  Status s = store_.ScanOne(store::Cf::kImports, "", [&](std::string_view, std::string_view value) {
    auto report = ImportReport::FromJson(nlohmann::json::parse(value, nullptr, false));
    if (!report || (report->status != "queued" && report->status != "running")) return true;
    if (!report->options.value("async", false)) {
      // A synchronous import cut off by the restart: its client saw the
      // connection drop and knows to re-send.
      report->status = "aborted";
      report->message = "the server restarted during the import; re-send the file (it is idempotent)";
      Save(*report, true);
      return true;
    }
    std::error_code ec;
    if (!std::filesystem::exists(SpoolPath(report->import_id), ec)) {
      lost.push_back(std::move(*report));
      return true;
    }
    owned.insert(report->import_id);
    const auto& o = report->options;
    auto charset = CharsetFromName(o.value("encoding", "utf-8"));
    std::map<std::string, std::string> map;
    if (o.contains("map") && o["map"].is_object())
      for (auto it = o["map"].begin(); it != o["map"].end(); ++it)
        if (it->is_string()) map[it.key()] = it->get<std::string>();
    ImportOptions opts = Options(report->kind == "pos" ? ImportKind::kPos : ImportKind::kCustomers,
                                 report->import_id, charset.value_or(Charset::kUtf8),
                                 o.value("format", "csv") == "ndjson", {});
    opts.mapping = std::move(map);
    opts.async = true;
    again.push_back(std::move(opts));
    return true;
  });
  if (!s.ok()) return s;
  for (auto& r : lost) FailSpoolMissing(std::move(r));
  RemoveOrphanSpools(owned);
  for (auto& o : again) {
    spdlog::info("resuming import {}", o.import_id);
    Enqueue(std::move(o));
  }
  return Status::Ok();
}

void ImportService::RunLoop() {
  pthread_setname_np(pthread_self(), "seam-import");
  for (;;) {
    ImportOptions next;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;  // a queued import resumes at the next start
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    RunOne(next);
  }
}

void ImportService::RunOne(const ImportOptions& options) {
  const std::string path = SpoolPath(options.import_id);
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) return FailSpoolMissing(InitialReport(options));
  auto job = Start(options);
  bool complete = true;
  uint64_t index = 0;
  while (complete) {
    char header[4];
    if (!in.read(header, 4)) break;  // end of the spool
    uint32_t n = 0;
    for (char c : header) n = (n << 8) | static_cast<uint8_t>(c);
    std::string sealed(n, '\0');
    if (!in.read(sealed.data(), n)) {
      complete = false;
      break;
    }
    auto piece = store_.sealer().Open(sealed, FrameAad(options.import_id, index++));
    if (!piece) {
      complete = false;
      break;
    }
    std::promise<void> ready;
    auto wait = ready.get_future();
    if (!job->Feed(*piece, [&ready] { ready.set_value(); }).ok()) break;
    wait.wait();  // this thread is the import's own: waiting here is the flow control
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;  // resumes from the start at the next start
    }
  }
  std::promise<void> finished;
  auto done = finished.get_future();
  job->Finish(complete, [&finished](const ImportReport&) { finished.set_value(); });
  done.wait();
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace seam::ingest
