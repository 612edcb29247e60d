#include "workload.h"

#include <openssl/evp.h>

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <ctime>

namespace seam::bench {
namespace {

// splitmix64's finaliser: a cheap bijective mix, so identifiers derived from
// (seed, user) look random yet stay reproducible.
uint64_t Scramble(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string UuidLike(uint64_t a, uint64_t b) {
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     8 + ((b >> 60) & 3), (b >> 48) & 0xfff, b & 0xffffffffffffULL);
}

constexpr std::array<std::string_view, 8> kFamily = {"김", "이", "박", "최", "정", "강", "조", "윤"};
constexpr std::array<std::string_view, 8> kGiven = {"민수", "서연", "지훈", "하은", "도윤", "수아", "예준", "지우"};
constexpr std::array<std::string_view, 5> kDomains = {"naver.com", "gmail.com", "daum.net", "kakao.com",
                                                      "example.co.kr"};
constexpr std::array<std::string_view, 6> kEvents = {"Product Viewed", "Product Added", "Cart Viewed",
                                                     "Checkout Started", "Products Searched", "Signed In"};
struct PageInfo {
  std::string_view path, title, category;
};
constexpr std::array<PageInfo, 5> kPages = {{{"/", "홈", "Home"},
                                             {"/products/1234", "상품 상세", "Product"},
                                             {"/category/women", "여성 의류", "Category"},
                                             {"/cart", "장바구니", "Cart"},
                                             {"/search?q=%EC%9A%B4%EB%8F%99%ED%99%94", "검색 결과", "Search"}}};
constexpr std::array<std::string_view, 4> kCategories = {"의류", "신발", "가방", "화장품"};
constexpr std::string_view kUserAgent =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1";

}  // namespace

std::string_view IdTypeName(IdType type) {
  switch (type) {
    case IdType::kUserId: return "user_id";
    case IdType::kEmail: return "email";
    case IdType::kPhone: return "phone";
  }
  return "user_id";
}

UserPool::UserPool(uint64_t seed, uint64_t size) : seed_(seed), size_(size) {}

uint64_t UserPool::Mix(uint64_t user, uint64_t salt) const { return Scramble(Scramble(seed_ * 1315423911ULL + salt) ^ user); }

std::string UserPool::UserId(uint64_t user) const { return fmt::format("u{:x}-{}", seed_ & 0xffff, user); }

std::string UserPool::AnonymousId(uint64_t user) const { return UuidLike(Mix(user, 1), Mix(user, 2)); }

std::string UserPool::DeviceId(uint64_t user) const { return UuidLike(Mix(user, 3), Mix(user, 4)); }

std::string UserPool::Email(uint64_t user) const {
  return fmt::format("user{}k{:x}@{}", user, seed_ & 0xffff, kDomains[Mix(user, 5) % kDomains.size()]);
}

std::string UserPool::Phone(uint64_t user) const {
  // An affine map modulo 40,000,000 with a multiplier coprime to it is a
  // bijection: distinct users get distinct numbers, all in 6000-0000..9999-9999.
  // (libphonenumber 8.12 rejects 010-5970..5999-xxxx, and 010-0000-0000 is
  // blocklisted.)
  const uint64_t n = 60'000'000 + (user * 7919 + Scramble(seed_) % kMaxUsers) % kMaxUsers;
  return fmt::format("010-{:04}-{:04}", n / 10000, n % 10000);
}

std::string UserPool::Name(uint64_t user) const {
  const uint64_t m = Mix(user, 6);
  return fmt::format("{}{}", kFamily[m % kFamily.size()], kGiven[(m >> 8) % kGiven.size()]);
}

bool UserPool::UsesApp(uint64_t user) const { return Mix(user, 7) % 10 < 4; }

std::string UserPool::Identifier(IdType type, uint64_t user) const {
  switch (type) {
    case IdType::kUserId: return UserId(user);
    case IdType::kEmail: return Email(user);
    case IdType::kPhone: return Phone(user);
  }
  return UserId(user);
}

void WriteCounter(char* at, uint64_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = kCounterDigits; i-- > 0;) {
    at[i] = kHex[value & 0xf];
    value >>= 4;
  }
}

TrafficGenerator::TrafficGenerator(const UserPool& pool, uint32_t nonce, uint64_t stream, MixOptions mix)
    : pool_(pool),
      nonce_(nonce),
      rng_(Scramble(pool.seed() ^ Scramble(stream))),
      mix_(mix),
      now_ms_(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count())) {}

uint64_t TrafficGenerator::Next() {
  rng_ = Scramble(rng_);
  return rng_;
}

double TrafficGenerator::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

void TrafficGenerator::MessageId(std::string& out, std::vector<uint32_t>& offsets) {
  // Segment's "node-next-<ms>-<uuid>" shape; the last group is the counter a
  // sender overwrites per send.
  fmt::format_to(std::back_inserter(out), "\"messageId\":\"node-next-{}-{:08x}-{:04x}-4{:03x}-a{:03x}-", now_ms_,
                 nonce_, Next() & 0xffff, Next() & 0xfff, Next() & 0xfff);
  offsets.push_back(static_cast<uint32_t>(out.size()));
  out.append(kCounterDigits, '0');
  WriteCounter(out.data() + offsets.back(), counter_++);
  out += "\",";
}

void TrafficGenerator::Context(std::string& out, uint64_t user, std::string_view path, std::string_view title) {
  auto it = std::back_inserter(out);
  const uint64_t ip = Scramble(user) & 0xffff;
  if (pool_.UsesApp(user)) {
    fmt::format_to(it,
                   "\"context\":{{\"app\":{{\"name\":\"Seam Shop\",\"version\":\"5.12.0\",\"build\":\"5120\"}},"
                   "\"device\":{{\"id\":\"{}\",\"manufacturer\":\"samsung\",\"model\":\"SM-S918N\",\"type\":\"android\"}},"
                   "\"os\":{{\"name\":\"Android\",\"version\":\"14\"}},\"screen\":{{\"width\":1080,\"height\":2340}},"
                   "\"network\":{{\"wifi\":true,\"carrier\":\"SKTelecom\"}},"
                   "\"library\":{{\"name\":\"analytics-android\",\"version\":\"4.11.3\"}},"
                   "\"locale\":\"ko-KR\",\"timezone\":\"Asia/Seoul\",\"ip\":\"203.0.{}.{}\"}},",
                   pool_.DeviceId(user), ip >> 8, ip & 0xff);
  } else {
    fmt::format_to(it,
                   "\"context\":{{\"page\":{{\"path\":\"{0}\",\"url\":\"https://shop.example.co.kr{0}\","
                   "\"title\":\"{1}\",\"referrer\":\"https://search.naver.com/\"}},\"userAgent\":\"{2}\","
                   "\"library\":{{\"name\":\"analytics.js\",\"version\":\"next-1.64.0\"}},"
                   "\"locale\":\"ko-KR\",\"timezone\":\"Asia/Seoul\",\"ip\":\"198.51.{3}.{4}\"}},",
                   path, title, kUserAgent, ip >> 8, ip & 0xff);
  }
}

void TrafficGenerator::Identify(std::string& out, std::vector<uint32_t>& offsets, uint64_t user, uint64_t ts_ms) {
  out += '{';
  MessageId(out, offsets);
  fmt::format_to(std::back_inserter(out),
                 "\"type\":\"identify\",\"timestamp\":\"{}\",\"userId\":\"{}\",\"anonymousId\":\"{}\","
                 "\"traits\":{{\"email\":\"{}\",\"phone\":\"{}\",\"name\":\"{}\",\"plan\":\"{}\","
                 "\"marketing_opt_in\":{}}},",
                 IsoMillis(ts_ms), pool_.UserId(user), pool_.AnonymousId(user), pool_.Email(user), pool_.Phone(user),
                 pool_.Name(user), (user % 3 == 0) ? "gold" : "basic", user % 2 == 0 ? "true" : "false");
  Context(out, user, "/account", "내 계정");
  out += "\"integrations\":{}}";
}

void TrafficGenerator::Message(std::string& out, std::vector<uint32_t>& offsets, uint64_t user, int kind,
                               uint64_t ts_ms) {
  if (kind == 0) return Identify(out, offsets, user, ts_ms);
  auto it = std::back_inserter(out);
  out += '{';
  MessageId(out, offsets);
  const bool logged_in = Uniform() < mix_.logged_in_share;
  if (logged_in) fmt::format_to(it, "\"userId\":\"{}\",", pool_.UserId(user));
  fmt::format_to(it, "\"anonymousId\":\"{}\",\"timestamp\":\"{}\",", pool_.AnonymousId(user), IsoMillis(ts_ms));
  const PageInfo& page = kPages[Next() % kPages.size()];
  if (kind == 1) {
    fmt::format_to(it,
                   "\"type\":\"page\",\"name\":\"{0}\",\"category\":\"{1}\",\"properties\":{{\"category\":\"{1}\","
                   "\"path\":\"{2}\",\"url\":\"https://shop.example.co.kr{2}\",\"title\":\"{3}\"}},",
                   page.title, page.category, page.path, page.title);
  } else if (Uniform() < mix_.order_share_of_tracks) {
    const uint64_t items = 1 + Next() % 3;
    uint64_t revenue = 0;
    std::string products = "[";
    for (uint64_t i = 0; i < items; ++i) {
      const uint64_t sku = Next() % 5000, price = (1 + Next() % 200) * 500, qty = 1 + Next() % 2;
      revenue += price * qty;
      fmt::format_to(std::back_inserter(products),
                     "{}{{\"product_id\":\"p-{}\",\"sku\":\"SKU-{:05}\",\"name\":\"상품 {}\",\"category\":\"{}\","
                     "\"price\":{},\"quantity\":{}}}",
                     i ? "," : "", sku, sku, sku, kCategories[sku % kCategories.size()], price, qty);
    }
    products += ']';
    fmt::format_to(it,
                   "\"type\":\"track\",\"event\":\"Order Completed\",\"properties\":{{\"order_id\":\"o-{:x}-{}\","
                   "\"revenue\":{},\"shipping\":3000,\"currency\":\"KRW\",\"coupon\":null,\"products\":{}}},",
                   nonce_, counter_, revenue, products);
  } else {
    const uint64_t sku = Next() % 5000;
    fmt::format_to(it,
                   "\"type\":\"track\",\"event\":\"{}\",\"properties\":{{\"product_id\":\"p-{}\",\"sku\":\"SKU-{:05}\","
                   "\"category\":\"{}\",\"price\":{},\"currency\":\"KRW\"}},",
                   kEvents[Next() % kEvents.size()], sku, sku, kCategories[sku % kCategories.size()],
                   (1 + Next() % 200) * 500);
  }
  Context(out, user, page.path, page.title);
  out += "\"integrations\":{}}";
}

GeneratedBody TrafficGenerator::Batch(std::size_t events) {
  GeneratedBody body;
  body.json.reserve(events * 900 + 64);
  body.json += "{\"batch\":[";
  for (std::size_t i = 0; i < events; ++i) {
    if (i) body.json += ',';
    const double r = Uniform();
    const int kind = r < mix_.identify_share ? 0 : r < mix_.identify_share + mix_.page_share ? 1 : 2;
    Message(body.json, body.id_counter_offsets, Next() % pool_.size(), kind, now_ms_ - Next() % 30'000);
  }
  fmt::format_to(std::back_inserter(body.json), "],\"sentAt\":\"{}\"}}", IsoMillis(now_ms_));
  body.events = static_cast<uint32_t>(events);
  return body;
}

GeneratedBody TrafficGenerator::SingleTrack() {
  GeneratedBody body;
  Message(body.json, body.id_counter_offsets, Next() % pool_.size(), 2, now_ms_ - Next() % 30'000);
  // A single-message body carries its own sentAt.
  body.json.pop_back();
  fmt::format_to(std::back_inserter(body.json), ",\"sentAt\":\"{}\"}}", IsoMillis(now_ms_));
  body.events = 1;
  return body;
}

GeneratedBody TrafficGenerator::IdentifyBatch(uint64_t first, uint64_t count) {
  GeneratedBody body;
  body.json.reserve(count * 900 + 64);
  body.json += "{\"batch\":[";
  for (uint64_t i = 0; i < count; ++i) {
    if (i) body.json += ',';
    Identify(body.json, body.id_counter_offsets, first + i, now_ms_ - 60'000);
  }
  fmt::format_to(std::back_inserter(body.json), "],\"sentAt\":\"{}\"}}", IsoMillis(now_ms_));
  body.events = static_cast<uint32_t>(count);
  return body;
}

std::string ProfileDocument(const UserPool& pool, uint64_t user) {
  const std::string seen = IsoMillis(1'790'000'000'000ULL + user * 1000);
  const char* channel = pool.UsesApp(user) ? "app" : "web";
  auto identity = [&](std::string_view type, const std::string& value) {
    return fmt::format(
        "{{\"type\":\"{}\",\"value\":\"{}\",\"first_seen\":\"{}\",\"last_seen\":\"{}\",\"sources\":[\"{}\"]}}", type,
        value, seen, seen, channel);
  };
  return fmt::format(
      "{{\"profile_id\":\"p_{:020x}\",\"identities\":[{},{},{},{}],"
      "\"traits\":{{\"email\":\"{}\",\"phone\":\"{}\",\"name\":\"{}\",\"plan\":\"basic\",\"marketing_opt_in\":true}},"
      "\"computed\":{{\"first_seen\":\"{}\",\"last_seen\":\"{}\",\"channels\":[\"{}\"],\"events\":1,\"orders\":0,"
      "\"orders_online\":0,\"orders_offline\":0,\"revenue\":0.0,\"currency\":\"KRW\",\"revenue_by_currency\":{{}},"
      "\"aov\":0.0,\"last_order_at\":null,\"last_store_id\":null,\"top_categories\":[]}},"
      "\"consent\":{{}},\"segments\":[],\"merged_ids\":[]}}",
      Scramble(pool.seed() ^ user), identity("user_id", pool.UserId(user)),
      identity("anonymous_id", pool.AnonymousId(user)), identity("email", pool.Email(user)),
      identity("phone", pool.Phone(user)), pool.Email(user), pool.Phone(user), pool.Name(user), seen, seen,
      channel);
}

std::string IsoMillis(uint64_t epoch_ms) {
  const std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, epoch_ms % 1000);
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      fmt::format_to(std::back_inserter(out), "%{:02X}", c);
  }
  return out;
}

bool UrlDecode(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;
    const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::string BasicAuthHeader(std::string_view user) {
  const std::string plain = std::string(user) + ":";
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return "Basic " + encoded;
}

}  // namespace seam::bench
