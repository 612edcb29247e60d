#include "common/background_release.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace seam {
namespace {

// Records which thread destroyed it.
struct Tracked {
  std::atomic<int>* destroyed = nullptr;
  std::thread::id* where = nullptr;
  Tracked() = default;
  Tracked(std::atomic<int>* d, std::thread::id* w) : destroyed(d), where(w) {}
  Tracked(Tracked&& o) noexcept : destroyed(o.destroyed), where(o.where) {
    o.destroyed = nullptr;
    o.where = nullptr;
  }
  Tracked& operator=(Tracked&& o) noexcept {
    std::swap(destroyed, o.destroyed);
    std::swap(where, o.where);
    return *this;
  }
  ~Tracked() {
    if (destroyed == nullptr) return;
    *where = std::this_thread::get_id();
    destroyed->fetch_add(1);
  }
};

TEST(BackgroundRelease, DestroysOffTheCallersThreadAndEverythingByTheEnd) {
  std::atomic<int> destroyed{0};
  std::vector<std::thread::id> where(100);
  {
    BackgroundRelease<Tracked> release("test-release", 1000);
    for (int i = 0; i < 100; ++i) release.Release(Tracked(&destroyed, &where[static_cast<std::size_t>(i)]));
  }  // joins after draining
  EXPECT_EQ(destroyed.load(), 100);
  for (const auto& id : where) EXPECT_NE(id, std::this_thread::get_id());
}

// Blocks in its destructor until `gate` opens, saying when it started.
struct Blocking {
  std::atomic<bool>* started = nullptr;
  std::shared_future<void> gate;
  Blocking() = default;
  Blocking(std::atomic<bool>* s, std::shared_future<void> g) : started(s), gate(std::move(g)) {}
  Blocking(Blocking&& o) noexcept : started(std::exchange(o.started, nullptr)), gate(std::move(o.gate)) {}
  Blocking& operator=(Blocking&& o) noexcept {
    std::swap(started, o.started);
    std::swap(gate, o.gate);
    return *this;
  }
  ~Blocking() {
    if (started == nullptr) return;
    started->store(true);
    gate.wait();
  }
};

TEST(BackgroundRelease, DestroysOnTheCallerWhenTooMuchIsPending) {
  std::atomic<bool> started{false};
  std::promise<void> open;
  std::shared_future<void> gate = open.get_future().share();
  std::atomic<int> destroyed{0};
  std::thread::id where;
  {
    BackgroundRelease<std::variant<Blocking, Tracked>> release("test-release", 1);
    release.Release(Blocking(&started, gate));  // the releaser takes it and blocks destroying it
    for (int i = 0; i < 2000 && !started.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(started.load());
    release.Release(Blocking());  // fills the one pending slot
    release.Release(Tracked(&destroyed, &where));
    EXPECT_EQ(destroyed.load(), 1) << "the queue was full: destroyed at once";
    EXPECT_EQ(where, std::this_thread::get_id());
    open.set_value();
  }
}

}  // namespace
}  // namespace seam
