// When keys last changed, kept conservatively, for readers that keep what
// they derived from stored values (a rendered profile) and must know whether
// those values may have changed without reading them again.
//
// Every committed write gets a number; the keys it wrote are stamped with it
// once the write is visible and before the writer is told it committed. Keys
// share slots by hash, so a key's stamp may be newer than its own last change
// (a needless re-read), never older.
//
// A reader takes Now() *before* it opens its snapshot and keeps it with what
// it derived. Later, that result is still exact when every key it read is
// UnchangedSince that number: a write numbered at or below it was visible
// before the snapshot was taken, and any later write stamps its keys higher.
// A write whose keys are not stamped yet has not been acknowledged either,
// so answering as if it had not happened yet is what a client may see.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace seam::store {

class ChangeClock {
 public:
  using Token = std::uint32_t;  // a key's slot: what a reader keeps per key read

  ChangeClock() : slots_(std::make_unique<std::atomic<std::uint64_t>[]>(kSlots)) {}

  // The number of the last write that is visible (and stamped or being stamped).
  std::uint64_t Now() const { return now_.load(std::memory_order_acquire); }

  static Token TokenOf(std::string_view key) {
    return static_cast<Token>(std::hash<std::string_view>{}(key) & (kSlots - 1));
  }

  bool UnchangedSince(const std::vector<Token>& tokens, std::uint64_t as_of) const {
    for (Token t : tokens)
      if (slots_[t].load(std::memory_order_acquire) > as_of) return false;
    return true;
  }

  // Called by a committer after its write became visible, with the keys it
  // wrote (any range of things convertible to std::string_view): numbers
  // the write and stamps them.
  template <typename Keys>
    requires(!std::convertible_to<const Keys&, std::string_view>)
  void Stamp(const Keys& keys) {
    const std::uint64_t n = now_.fetch_add(1, std::memory_order_acq_rel) + 1;
    for (std::string_view key : keys) Raise(slots_[TokenOf(key)], n);
  }
  // A write of one key.
  void Stamp(std::string_view key) {
    Raise(slots_[TokenOf(key)], now_.fetch_add(1, std::memory_order_acq_rel) + 1);
  }

 private:
  // Two committers may stamp one slot at once: it only ever grows.
  static void Raise(std::atomic<std::uint64_t>& slot, std::uint64_t n) {
    std::uint64_t seen = slot.load(std::memory_order_relaxed);
    while (seen < n && !slot.compare_exchange_weak(seen, n, std::memory_order_acq_rel)) {
    }
  }

  // 2 MB. A group of writes stamps a few thousand slots; with this many a
  // kept rendering is rarely invalidated by a key that is not its own.
  static constexpr std::size_t kSlots = std::size_t{1} << 18;
  std::atomic<std::uint64_t> now_{0};
  std::unique_ptr<std::atomic<std::uint64_t>[]> slots_;
};

}  // namespace seam::store
