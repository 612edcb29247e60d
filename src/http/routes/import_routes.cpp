// Offline imports (SPEC §4): POST /v1/imports/{pos,customers} stream the file
// into an ImportJob as it arrives (or, with ?async=true, into an encrypted
// spool answered 202 once it is safe on disk); GET /v1/imports/{id} returns
// the report.
#include <algorithm>
#include <cctype>

#include "http/routes/routes.h"

namespace seam::http {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The charset a request declares: ?encoding=, else Content-Type's charset=.
Result<ingest::Charset> RequestCharset(const Request& head) {
  std::string name = head.query_or("encoding");
  if (name.empty()) {
    const std::string type = Lower(head.header("content-type"));
    if (auto at = type.find("charset="); at != std::string::npos) {
      name = type.substr(at + 8);
      name = name.substr(0, name.find(';'));
      if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    }
  }
  if (name.empty()) return ingest::Charset::kUtf8;
  auto charset = ingest::CharsetFromName(name);
  if (!charset)
    return Status(Code::kUnsupported, "unsupported_encoding",
                  "encoding \"" + name + "\" is not supported (utf-8, cp949, euc-kr)");
  return *charset;
}

// Streams the body into an import job, answering the report at the end.
class ImportSink final : public BodySink {
 public:
  ImportSink(std::shared_ptr<ingest::ImportJob> job, Responder respond)
      : job_(std::move(job)), respond_(std::move(respond)) {}

  void OnData(std::string_view piece, std::function<void()> resume) override {
    if (failed_) return;
    Status s = job_->Feed(piece, std::move(resume));
    if (!s.ok()) {
      // The file cannot be imported at all (a required column is missing):
      // answered now, the rest of the upload is not read.
      failed_ = true;
      job_->Finish(true, [respond = respond_, s](const ingest::ImportReport& report) {
        nlohmann::json body = {{"error", {{"code", s.error_code()}, {"message", s.message()}}},
                               {"import", report.ToJson()}};
        Response r = JsonResponse(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                  HttpStatusFor(s.code()));
        respond(std::move(r));
      });
    }
  }

  void OnEnd(bool complete) override {
    if (failed_) return;
    failed_ = true;
    job_->Finish(complete, [respond = respond_](const ingest::ImportReport& report) {
      // A store that refused writes is worth a retry (503); a file that can
      // never be imported (empty) is the client's (400).
      int status = 200;
      if (report.status == "failed") status = report.code == "store_unavailable" ? 503 : 400;
      nlohmann::json body = report.ToJson();
      if (status != 200) body["error"] = {{"code", report.code}, {"message", report.message}};
      Response r = JsonResponse(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), status);
      if (status == 503) r.headers.emplace_back("Retry-After", "1");
      respond(std::move(r));
    });
  }

 private:
  std::shared_ptr<ingest::ImportJob> job_;
  Responder respond_;
  bool failed_ = false;
};

// ?async=true: the body goes to the encrypted spool; 202 once it is synced.
// The import id is issued only with that 202, so an upload that fails or is
// cut off before it has nothing to report: its spool file is removed and no
// report is stored.
class SpoolSink final : public BodySink {
 public:
  SpoolSink(ingest::ImportService& imports, ingest::ImportOptions options,
            std::unique_ptr<ingest::SpoolWriter> spool, Responder respond)
      : imports_(imports), options_(std::move(options)), spool_(std::move(spool)), respond_(std::move(respond)) {}

  void OnData(std::string_view piece, std::function<void()> resume) override {
    if (done_) return;
    if (Status s = spool_->Append(piece); !s.ok()) return Refuse(s);
    resume();
  }

  void OnEnd(bool complete) override {
    if (done_) return;
    done_ = true;
    if (!complete) {
      // The client went away, or the session refused the body (413, 408):
      // nothing was promised. Answering still releases the session the
      // Responder holds (a session already answered drops this one).
      return Refuse(Status::Invalid("upload_incomplete", "the upload ended before the file did; nothing was queued"));
    }
    if (Status s = spool_->Close(); !s.ok()) return Refuse(s);
    ingest::ImportReport queued = ingest::InitialReport(options_);
    queued.status = "queued";
    imports_.Save(queued, true);
    imports_.Enqueue(options_);
    nlohmann::json body = {{"import_id", options_.import_id},
                           {"status", "queued"},
                           {"report", "/v1/imports/" + options_.import_id}};
    respond_(JsonResponse(body.dump(), 202));
  }

 private:
  void Refuse(const Status& s) {
    done_ = true;
    spool_->Discard();
    respond_(ErrorResponse(s));
  }

  ingest::ImportService& imports_;
  ingest::ImportOptions options_;
  std::unique_ptr<ingest::SpoolWriter> spool_;
  Responder respond_;
  bool done_ = false;
};

std::unique_ptr<BodySink> StartImport(Services& s, ingest::ImportKind kind, Request&& head, Responder respond) {
  if (auto denied = Authorize(head, s.keys, auth::Scope::kWrite)) {
    respond(std::move(*denied));
    return nullptr;
  }
  auto charset = RequestCharset(head);
  if (!charset.ok()) {
    respond(ErrorResponse(charset.status()));
    return nullptr;
  }
  std::map<std::string, std::string> map;
  if (const std::string m = head.query_or("map"); !m.empty()) {
    auto parsed = ingest::ParseColumnMap(m);
    if (!parsed.ok()) {
      respond(ErrorResponse(parsed.status()));
      return nullptr;
    }
    map = std::move(*parsed);
  }
  const std::string type = Lower(head.header("content-type"));
  const bool ndjson = type.find("ndjson") != std::string::npos || type.find("jsonl") != std::string::npos ||
                      head.query_or("format") == "ndjson";
  const std::string async = Lower(head.query_or("async"));
  auto options = s.imports.Options(kind, ingest::ImportService::NewImportId(), *charset, ndjson, std::move(map));
  if (async == "true" || async == "1") {
    options.async = true;
    auto spool = s.imports.OpenSpool(options.import_id);
    if (!spool.ok()) {
      respond(ErrorResponse(spool.status()));
      return nullptr;
    }
    return std::make_unique<SpoolSink>(s.imports, std::move(options), std::move(*spool), std::move(respond));
  }
  return std::make_unique<ImportSink>(s.imports.Start(std::move(options)), std::move(respond));
}

}  // namespace

void RegisterImportRoutes(Router& router, Services& s) {
  router.AddStream("POST", "/v1/imports/pos", [&s](Request&& head, Responder respond) {
    return StartImport(s, ingest::ImportKind::kPos, std::move(head), std::move(respond));
  });
  router.AddStream("POST", "/v1/imports/customers", [&s](Request&& head, Responder respond) {
    return StartImport(s, ingest::ImportKind::kCustomers, std::move(head), std::move(respond));
  });
  router.Add("GET", "/v1/imports/{import_id}", [&s](Request&& req, Responder respond) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kWrite)) return respond(std::move(*denied));
    auto report = s.imports.Report(req.params.at("import_id"));
    if (!report.ok()) return respond(ErrorResponse(report.status()));
    if (!report->has_value()) return respond(ErrorResponse(404, "import_not_found", "no import with that id"));
    respond(JsonResponse((*report)->ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  });
}

}  // namespace seam::http
