// Wires the concrete parts together: config -> secrets -> store -> identity,
// profiles, ingest, query -> HTTP. One App is one running server; tests run
// it in-process on 127.0.0.1:0 with a temporary data dir.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/key_store.h"
#include "seam/config.h"
#include "seam/status.h"

namespace rocksdb {
class Env;
}

namespace seam::server {

struct AppOptions {
  Config config;
  std::map<std::string, std::string> env;  // SEAM_* (keys, security key)
  rocksdb::Env* rocksdb_env = nullptr;     // fault injection in durability tests
  bool sync = true;                        // false only to prove a durability test can fail
};

class App {
 public:
  static Result<std::unique_ptr<App>> Create(AppOptions options);
  ~App();

  // Binds and starts serving on background threads.
  Status Start();
  uint16_t port() const;
  // Keys generated on this start (empty when keys existed or were configured).
  const std::vector<auth::NewKey>& generated_keys() const;
  // Stops accepting, answers in-flight requests, drains the writer, closes the store.
  void Shutdown();
  // Forces memtables to SST files (tests that inspect the files on disk).
  Status FlushStore();
  // Blocks until SIGTERM/SIGINT, then shuts down.
  void RunUntilSignal();

  struct Impl;

 private:
  explicit App(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace seam::server
