// Synthetic Segment traffic for the benchmarks. Every identifier is a pure
// function of (seed, user index), so a lookup run and the baseline's preload
// know exactly what an earlier ingest run sent without sharing any state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seam::bench {

// The identifier types a lookup can address a user by.
enum class IdType { kUserId, kEmail, kPhone };
std::string_view IdTypeName(IdType type);

// Users 0..size-1. Phones are distinct for up to kMaxUsers users.
class UserPool {
 public:
  static constexpr uint64_t kMaxUsers = 40'000'000;

  UserPool(uint64_t seed, uint64_t size);

  uint64_t size() const { return size_; }
  uint64_t seed() const { return seed_; }

  std::string UserId(uint64_t user) const;
  std::string AnonymousId(uint64_t user) const;  // the user's browser cookie
  std::string DeviceId(uint64_t user) const;     // the user's phone (app users)
  std::string Email(uint64_t user) const;        // already lower-case, as Seam normalises it
  std::string Phone(uint64_t user) const;        // Korean mobile, "010-XXXX-YYYY"
  std::string Name(uint64_t user) const;         // Hangul
  bool UsesApp(uint64_t user) const;             // app (device context) rather than web
  std::string Identifier(IdType type, uint64_t user) const;

 private:
  uint64_t Mix(uint64_t user, uint64_t salt) const;

  uint64_t seed_;
  uint64_t size_;
};

// One generated HTTP body plus where its messageIds' counters sit, so a
// sender can give every send fresh ids by overwriting those digits in place
// (Seam deduplicates by messageId: resending a body unchanged would measure
// the duplicate path, not ingest).
struct GeneratedBody {
  std::string json;
  std::vector<uint32_t> id_counter_offsets;  // each at kCounterDigits hex digits
  uint32_t events = 0;
};

// Width of the patchable counter at the end of every messageId.
inline constexpr std::size_t kCounterDigits = 12;

// Writes `value` as kCounterDigits lower-case hex digits at `at`.
void WriteCounter(char* at, uint64_t value);

struct MixOptions {
  double identify_share = 0.10;
  double page_share = 0.30;          // the rest are tracks
  double order_share_of_tracks = 0.08;
  double logged_in_share = 0.70;     // tracks and pages that carry a userId
};

// Segment messages as the SDKs send them (docs: /work/shared/sdk-wire-formats.md):
// identify with traits (email, Korean phone, name), track with e-commerce
// properties and now and then an `Order Completed` with products, page with
// page context; web users carry page/userAgent context, app users
// app/device/os context. Deterministic for a given (pool, stream).
class TrafficGenerator {
 public:
  // `nonce` goes into every messageId so two load generator processes never
  // collide; `stream` seeds the random choices of this generator.
  TrafficGenerator(const UserPool& pool, uint32_t nonce, uint64_t stream, MixOptions mix = {});

  // {"batch":[...], "sentAt":...} of `events` random messages.
  GeneratedBody Batch(std::size_t events);
  // One track message (for POST /v1/track).
  GeneratedBody SingleTrack();
  // Identifies of users [first, first+count), one each, with every trait.
  GeneratedBody IdentifyBatch(uint64_t first, uint64_t count);

 private:
  void Message(std::string& out, std::vector<uint32_t>& offsets, uint64_t user, int kind, uint64_t ts_ms);
  void Identify(std::string& out, std::vector<uint32_t>& offsets, uint64_t user, uint64_t ts_ms);
  void Context(std::string& out, uint64_t user, std::string_view path, std::string_view title);
  void MessageId(std::string& out, std::vector<uint32_t>& offsets);
  uint64_t Next();
  double Uniform();

  const UserPool& pool_;
  uint32_t nonce_;
  uint64_t rng_;
  uint64_t counter_ = 0;
  MixOptions mix_;
  uint64_t now_ms_;
};

// A ~1 KB JSON profile shaped like Seam's GET /v1/profiles answer, for the
// baseline server to store under each of the user's identifiers.
std::string ProfileDocument(const UserPool& pool, uint64_t user);

// "2026-11-22T10:57:35.852Z"
std::string IsoMillis(uint64_t epoch_ms);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string UrlEncode(std::string_view s);
// Decodes %XX; false on a malformed escape.
bool UrlDecode(std::string_view s, std::string& out);

// "Basic base64(user:)" as the Segment SDKs send it.
std::string BasicAuthHeader(std::string_view user);

}  // namespace seam::bench
