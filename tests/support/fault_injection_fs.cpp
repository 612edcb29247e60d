#include "support/fault_injection_fs.h"

#include <filesystem>
#include <fstream>

namespace seam::testing {
namespace {

rocksdb::IOStatus PowerIsOff() { return rocksdb::IOStatus::IOError("simulated power loss"); }

class TrackedFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(std::unique_ptr<rocksdb::FSWritableFile>&& file, FaultInjectionFs& fs, std::string path,
              uint64_t size)
      : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), path_(std::move(path)), size_(size) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    if (fs_.dead()) return PowerIsOff();
    auto s = target()->Append(data, o, dbg);
    if (s.ok()) fs_.OnAppend(path_, size_ += data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    if (fs_.dead()) return PowerIsOff();
    auto s = target()->Append(data, o, info, dbg);
    if (s.ok()) fs_.OnAppend(path_, size_ += data.size());
    return s;
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* dbg) override {
    if (fs_.dead()) return PowerIsOff();
    auto s = target()->PositionedAppend(data, offset, o, dbg);
    if (s.ok()) fs_.OnAppend(path_, size_ = std::max(size_, offset + data.size()));
    return s;
  }
  rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    if (fs_.dead()) return PowerIsOff();
    auto s = target()->Truncate(size, o, dbg);
    if (s.ok()) fs_.OnAppend(path_, size_ = size);
    return s;
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    if (fs_.dead()) return PowerIsOff();
    return target()->Flush(o, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    if (fs_.dead()) return PowerIsOff();
    fs_.BeforeSync(path_);
    auto s = target()->Sync(o, dbg);
    if (s.ok()) fs_.OnSync(path_);
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    if (fs_.dead()) return PowerIsOff();
    fs_.BeforeSync(path_);
    auto s = target()->Fsync(o, dbg);
    if (s.ok()) fs_.OnSync(path_);
    return s;
  }
  // A range sync promises nothing about durability: not counted as synced.
  rocksdb::IOStatus Close(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    return target()->Close(o, dbg);
  }

 private:
  FaultInjectionFs& fs_;
  std::string path_;
  uint64_t size_;
};

}  // namespace

FaultInjectionFs::FaultInjectionFs(const std::shared_ptr<rocksdb::FileSystem>& base) : FileSystemWrapper(base) {}

rocksdb::IOStatus FaultInjectionFs::NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                    rocksdb::IODebugContext* dbg) {
  if (dead_) return PowerIsOff();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto s = target()->NewWritableFile(f, o, &file, dbg);
  if (!s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    files_[f] = FileState{};
  }
  *r = std::make_unique<TrackedFile>(std::move(file), *this, f, 0);
  return s;
}

rocksdb::IOStatus FaultInjectionFs::ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                       rocksdb::IODebugContext* dbg) {
  if (dead_) return PowerIsOff();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto s = target()->ReopenWritableFile(f, o, &file, dbg);
  if (!s.ok()) return s;
  std::error_code ec;
  const uint64_t existing = std::filesystem::exists(f, ec) ? std::filesystem::file_size(f, ec) : 0;
  {
    std::lock_guard lock(mu_);
    auto it = files_.find(f);
    if (it == files_.end()) files_[f] = FileState{existing, existing};  // on disk before we saw it
  }
  *r = std::make_unique<TrackedFile>(std::move(file), *this, f, existing);
  return s;
}

rocksdb::IOStatus FaultInjectionFs::ReuseWritableFile(const std::string& f, const std::string& old,
                                                      const rocksdb::FileOptions& o,
                                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                                      rocksdb::IODebugContext* dbg) {
  if (dead_) return PowerIsOff();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto s = target()->ReuseWritableFile(f, old, o, &file, dbg);
  if (!s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    files_.erase(old);
    files_[f] = FileState{};
  }
  *r = std::make_unique<TrackedFile>(std::move(file), *this, f, 0);
  return s;
}

rocksdb::IOStatus FaultInjectionFs::RenameFile(const std::string& s, const std::string& t,
                                               const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) {
  if (dead_) return PowerIsOff();
  auto st = target()->RenameFile(s, t, o, dbg);
  if (st.ok()) {
    std::lock_guard lock(mu_);
    auto it = files_.find(s);
    if (it != files_.end()) {
      files_[t] = it->second;
      files_.erase(s);
    } else {
      files_.erase(t);
    }
  }
  return st;
}

rocksdb::IOStatus FaultInjectionFs::DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                                               rocksdb::IODebugContext* dbg) {
  if (dead_) return PowerIsOff();
  auto s = target()->DeleteFile(f, o, dbg);
  if (s.ok()) {
    std::lock_guard lock(mu_);
    files_.erase(f);
  }
  return s;
}

void FaultInjectionFs::OnAppend(const std::string& path, uint64_t new_size) {
  std::lock_guard lock(mu_);
  files_[path].size = new_size;
}

void FaultInjectionFs::HoldSyncsAfter(int pass) {
  std::lock_guard lock(hold_mu_);
  holding_ = true;
  pass_ = pass;
}

void FaultInjectionFs::ReleaseSyncs() {
  {
    std::lock_guard lock(hold_mu_);
    holding_ = false;
  }
  released_.notify_all();
}

void FaultInjectionFs::BeforeSync(const std::string& path) {
  // Only the write-ahead log ("NNNNNN.log"): what one commit syncs.
  if (path.size() < 4 || path.compare(path.size() - 4, 4, ".log") != 0) return;
  std::unique_lock lock(hold_mu_);
  if (!holding_) return;
  if (pass_ > 0) {
    --pass_;
    return;
  }
  released_.wait(lock, [&] { return !holding_; });
}

void FaultInjectionFs::OnSync(const std::string& path) {
  std::lock_guard lock(mu_);
  auto& f = files_[path];
  f.synced = f.size;
}

void FaultInjectionFs::CopySyncedState(const std::string& dir, const std::string& out) {
  namespace fs = std::filesystem;
  fs::create_directories(out);
  std::lock_guard lock(mu_);
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    uint64_t keep = entry.file_size();
    auto it = files_.find(path);
    if (it != files_.end()) keep = std::min<uint64_t>(keep, it->second.synced);
    std::ifstream in(path, std::ios::binary);
    std::ofstream dst(fs::path(out) / entry.path().filename(), std::ios::binary | std::ios::trunc);
    std::string buf(1 << 16, '\0');
    uint64_t left = keep;
    while (left > 0 && in) {
      in.read(buf.data(), static_cast<std::streamsize>(std::min<uint64_t>(left, buf.size())));
      dst.write(buf.data(), in.gcount());
      left -= static_cast<uint64_t>(in.gcount());
    }
  }
}

FaultInjectionEnv::FaultInjectionEnv()
    : fs(std::make_shared<FaultInjectionFs>(rocksdb::FileSystem::Default())), env(rocksdb::NewCompositeEnv(fs)) {}

}  // namespace seam::testing
