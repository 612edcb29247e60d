// A RocksDB FileSystem that remembers how much of every file it wrote was
// synced, and can simulate a power loss: after PowerCut() every write fails,
// and CopySyncedState() produces the directory a disk would hold after the
// power came back — each file cut to its synced length. kill -9 keeps the OS
// page cache, so only this kind of test can catch an acknowledgement that
// came before its fsync (PLATFORM.md).
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace seam::testing {

class FaultInjectionFs : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultInjectionFs(const std::shared_ptr<rocksdb::FileSystem>& base);
  const char* Name() const override { return "SeamFaultInjectionFs"; }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& s, const std::string& t, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override;

  // From now on every write, sync and file creation fails.
  void PowerCut() { dead_ = true; }
  bool dead() const { return dead_; }
  // Copies `dir` into `out` as it would be after the power loss.
  void CopySyncedState(const std::string& dir, const std::string& out);

  // Holds syncs of the write-ahead log: the next `pass` go through, later
  // ones wait until ReleaseSyncs(). The single writer syncs once per commit,
  // so this stops it between two commits, at a point the test chose, while
  // readers (which never wait for a sync) look at what is visible then.
  void HoldSyncsAfter(int pass);
  void ReleaseSyncs();

  // Called by the file wrappers.
  void OnAppend(const std::string& path, uint64_t new_size);
  void BeforeSync(const std::string& path);
  void OnSync(const std::string& path);

 private:
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
  };
  std::mutex mu_;  // guards files_
  std::map<std::string, FileState> files_;
  std::atomic<bool> dead_{false};
  std::mutex hold_mu_;  // guards holding_, pass_
  std::condition_variable released_;
  bool holding_ = false;
  int pass_ = 0;
};

// Holds WAL syncs for a scope; released on destruction, so a failed
// assertion cannot leave the server's writer blocked at shutdown.
class SyncHold {
 public:
  SyncHold(FaultInjectionFs& fs, int pass) : fs_(fs) { fs_.HoldSyncsAfter(pass); }
  ~SyncHold() { fs_.ReleaseSyncs(); }
  SyncHold(const SyncHold&) = delete;
  SyncHold& operator=(const SyncHold&) = delete;
  void Release() { fs_.ReleaseSyncs(); }

 private:
  FaultInjectionFs& fs_;
};

// An Env over the fault-injecting file system, for DBOptions::env.
struct FaultInjectionEnv {
  std::shared_ptr<FaultInjectionFs> fs;
  std::unique_ptr<rocksdb::Env> env;
  FaultInjectionEnv();
};

}  // namespace seam::testing
