// Portable randomness for the generator. std::mt19937_64's output sequence
// is fixed by the standard, but the std:: distributions are not (libstdc++
// and libc++ turn the same engine output into different numbers), so the
// few distributions needed are written here.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace seam::synth {

// A bijective 64-bit mixer (SplitMix64's finaliser): derives independent
// seeds from a seed and a tag.
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint64_t Mix(uint64_t a, uint64_t b) { return SplitMix64(a ^ SplitMix64(b)); }
inline uint64_t Mix(uint64_t a, uint64_t b, uint64_t c) { return Mix(Mix(a, b), c); }

// One stream per output, so that outputs do not depend on one another.
enum class Stream : uint64_t {
  kWorld = 0x776f726c64,
  kSegment = 0x7365676d656e74,
  kSegmentContent = 0x7365676374,
  kPos = 0x706f73,
  kCrm = 0x63726d,
};

inline uint64_t StreamSeed(uint64_t seed, Stream s) {
  return Mix(seed, static_cast<uint64_t>(s));
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t Next() { return engine_(); }

  // Uniform in [0, n); n > 0. Rejection keeps it unbiased.
  uint64_t Below(uint64_t n) {
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      const uint64_t r = engine_();
      if (r >= threshold) return r % n;
    }
  }
  // Uniform in [lo, hi]; lo <= hi.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  int Int(int lo, int hi) { return static_cast<int>(Range(lo, hi)); }
  // Uniform in [0, 1) with 53 bits; exact in IEEE arithmetic everywhere.
  double Unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  // Number of successes before the first failure, at most `max`.
  int Geometric(double continue_p, int max) {
    int n = 0;
    while (n < max && Chance(continue_p)) ++n;
    return n;
  }
  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[Below(items.size())];
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[Below(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

// Draws an index with probability weight[i] / sum(weight).
class WeightedIndex {
 public:
  WeightedIndex() = default;
  explicit WeightedIndex(std::span<const uint32_t> weights) {
    cumulative_.reserve(weights.size());
    uint64_t sum = 0;
    for (uint32_t w : weights) cumulative_.push_back(sum += w);
  }
  // REQUIRES: a positive total weight.
  size_t Pick(Rng& rng) const {
    const uint64_t r = rng.Below(cumulative_.back());
    return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), r) -
                               cumulative_.begin());
  }
  uint64_t total() const { return cumulative_.empty() ? 0 : cumulative_.back(); }

 private:
  std::vector<uint64_t> cumulative_;
};

}  // namespace seam::synth
