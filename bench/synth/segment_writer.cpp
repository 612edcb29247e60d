// Segment messages (SPEC §3, sdk-wire-formats.md). Two passes: first every
// online person's sessions become 32-byte stubs (time, person, device,
// kind), then the stubs are sorted by time and rendered to JSON one batch at
// a time. A message's content comes from its own seed (the stream and its
// sequence number), so rendering needs no state beyond the stub.
#include <algorithm>

#include "format.h"
#include "json_out.h"
#include "rng.h"
#include "synth.h"
#include "world.h"

namespace seam::synth {
namespace {

enum Kind : uint8_t {
  kPage,
  kScreen,
  kIdentify,
  kAlias,
  kProductViewed,
  kProductAdded,
  kCheckoutStarted,
  kOrderCompleted,
  kOrderRefunded,
};

enum Flag : uint8_t {
  kWithUser = 1,     // carries userId (logged in)
  kJunk = 2,         // identify with a junk value in it
  kNumericUser = 4,  // userId sent as a JSON number
};

constexpr uint8_t kKioskDevice = 0xFF;  // Stub::device of a kiosk visit; extra = kiosk index
constexpr uint32_t kHomePage = 0, kProductPage = 1;

struct Stub {
  int64_t ts_ms = 0;
  uint32_t person = 0;
  uint32_t seq = 0;    // unique: makes the messageId unique and seeds the content
  uint32_t extra = 0;  // page kind, order index or kiosk index
  uint16_t product = 0;
  uint8_t device = 0;
  uint8_t kind = 0;
  uint8_t flags = 0;
};
static_assert(sizeof(Stub) == 32);

struct Order {
  uint32_t first = 0;  // into order_items
  uint8_t count = 0;
};
struct OrderItem {
  uint16_t product = 0;
  uint8_t quantity = 1;
};

enum class Platform : uint8_t { kWeb, kAndroid, kIos };

struct Device {
  Platform platform = Platform::kWeb;
  bool rudder = false;  // RudderStack SDK: originalTimestamp, per-message sentAt, context.traits
  std::string anonymous_id;
  std::string device_id;  // apps only
  int model = 0;
};

// Active hours in Seoul, 0..23.
constexpr uint32_t kOnlineHourWeights[24] = {3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6,
                                             7, 6, 6, 6, 6, 7, 8, 9, 10, 10, 8, 5};

constexpr const char* kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/118.0.0.0 Whale/3.23.214.17 Safari/537.36",
};
struct Model {
  const char* manufacturer;
  const char* model;
  const char* os_version;
};
constexpr Model kAndroidModels[] = {
    {"samsung", "SM-S918N", "14"}, {"samsung", "SM-S911N", "14"}, {"samsung", "SM-A536N", "13"},
    {"samsung", "SM-F731N", "14"}, {"LGE", "LM-V500N", "12"}};
constexpr Model kIosModels[] = {
    {"Apple", "iPhone15,2", "17.2"}, {"Apple", "iPhone14,5", "17.1"}, {"Apple", "iPhone16,1", "17.2"}};
constexpr const char* kReferrers[] = {"", "", "https://search.naver.com/search.naver",
                                      "https://www.google.com/", "https://m.search.daum.net/search",
                                      "https://www.instagram.com/"};
constexpr const char* kSite = "https://www.seamshop.co.kr";

uint64_t Scramble48(uint64_t x) {
  constexpr uint64_t kMask = (uint64_t{1} << 48) - 1;
  x = (x * 0x9E3779B97F4BULL) & kMask;  // odd multiplier: a bijection mod 2^48
  x ^= x >> 23;
  return (x * 0xC2B2AE3D27D5ULL) & kMask;
}

class SegmentWriter {
 public:
  SegmentWriter(const Options& o, const World& w)
      : o_(o), w_(w), seed_(StreamSeed(o.seed, Stream::kSegment)),
        content_seed_(StreamSeed(o.seed, Stream::kSegmentContent)), hours_(kOnlineHourWeights) {}

  WriteStats Write(std::size_t per_batch, const std::function<bool(const std::string&)>& sink,
                   TruthWriter* truth) {
    WriteStats stats;
    if (per_batch == 0) {
      stats.ok = false;
      stats.error = "per_batch must be at least 1";
      return stats;
    }
    for (const Person& p : w_.persons) AddPerson(p);
    std::sort(stubs_.begin(), stubs_.end(), [](const Stub& a, const Stub& b) {
      return a.ts_ms != b.ts_ms ? a.ts_ms < b.ts_ms : a.seq < b.seq;
    });
    std::string json, message_id;
    for (std::size_t first = 0; first < stubs_.size(); first += per_batch) {
      const std::size_t last = std::min(stubs_.size(), first + per_batch);
      json.clear();
      JsonOut out(json);
      out.BeginObject();
      out.Key("batch");
      out.BeginArray();
      for (std::size_t i = first; i < last; ++i) {
        Render(stubs_[i], out, &message_id);
        if (truth != nullptr) truth->Add("seg:" + message_id, w_.persons[stubs_[i].person].id);
      }
      out.EndArray();
      Rng r(Mix(content_seed_, 0xBA7C4, first));
      out.Field("sentAt", IsoUtcMs(stubs_[last - 1].ts_ms + 200 + static_cast<int64_t>(r.Below(3000))));
      out.EndObject();
      stats.records += last - first;
      stats.rows += 1;
      stats.bytes += json.size();
      if (!sink(json)) {
        stats.ok = false;
        stats.error = "stopped by the sink";
        break;
      }
    }
    return stats;
  }

 private:
  Device DeviceOf(uint32_t person, uint8_t device) const {
    Rng r(Mix(seed_, person, 0xDE71CE00u + device));
    Device d;
    const uint64_t platform = r.Below(10);
    d.platform = platform < 5 ? Platform::kWeb : platform < 8 ? Platform::kAndroid : Platform::kIos;
    d.rudder = r.Chance(0.3);
    const uint64_t a = r.Next();
    const uint64_t b = r.Next();
    d.anonymous_id = Uuid(a, b, d.platform == Platform::kIos && !d.rudder);
    const uint64_t c = r.Next();
    const uint64_t e = r.Next();
    if (d.platform != Platform::kWeb) d.device_id = Uuid(c, e, d.platform == Platform::kIos);
    d.model = static_cast<int>(r.Below(d.platform == Platform::kWeb ? std::size(kUserAgents)
                                       : d.platform == Platform::kIos ? std::size(kIosModels)
                                                                      : std::size(kAndroidModels)));
    return d;
  }

  Stub& Add(int64_t ts, uint32_t person, uint8_t device, Kind kind, uint8_t flags) {
    Stub s;
    s.ts_ms = ts;
    s.person = person;
    s.seq = next_seq_++;
    s.device = device;
    s.kind = kind;
    s.flags = flags;
    stubs_.push_back(s);
    return stubs_.back();
  }

  int64_t Step(Rng& r) { return r.Range(5, 120) * 1000 + static_cast<int64_t>(r.Below(1000)); }

  int64_t SessionStart(Rng& r) {
    const int64_t day = static_cast<int64_t>(r.Below(static_cast<uint64_t>(o_.days)));
    const int64_t hour = static_cast<int64_t>(hours_.Pick(r));
    const int64_t in_hour = static_cast<int64_t>(r.Below(3600 * 1000));
    return SeoulMidnightMs(o_.start) + day * kDayMs + hour * 3600 * 1000 + in_hour;
  }

  uint8_t UserFlags(Rng& r, bool logged_in) {
    if (!logged_in) return 0;
    return static_cast<uint8_t>(kWithUser | (r.Chance(o_.numeric_user_id_rate) ? kNumericUser : 0));
  }

  void AddPerson(const Person& p) {
    Rng r(Mix(seed_, p.index));
    const bool has_user = !p.user_id.empty();
    if (!has_user && !r.Chance(o_.online_anonymous_rate)) return;
    const bool newsletter = !has_user && !p.emails.empty() && r.Chance(o_.newsletter_rate);
    const int devices = r.Chance(o_.second_device_rate) ? 2 : 1;
    const double more_sessions = 1 - 1 / o_.sessions_mean;
    const int64_t end = SeoulMidnightMs(o_.start) + int64_t{o_.days} * kDayMs;
    for (int d = 0; d < devices; ++d) {
      const uint8_t device = static_cast<uint8_t>(d);
      const bool app = DeviceOf(p.index, device).platform != Platform::kWeb;
      const int sessions = 1 + r.Geometric(more_sessions, 30);
      std::vector<int64_t> starts;
      for (int s = 0; s < sessions; ++s) starts.push_back(SessionStart(r));
      std::sort(starts.begin(), starts.end());
      const bool identifies = has_user || (newsletter && d == 0);
      const int login = identifies ? static_cast<int>(r.Below(static_cast<uint64_t>(sessions))) : -1;
      bool logged_in = false;
      for (int s = 0; s < sessions; ++s) {
        int64_t t = starts[static_cast<size_t>(s)];
        Add(t, p.index, device, app ? kScreen : kPage, UserFlags(r, logged_in)).extra = kHomePage;
        if (s == login) {
          t += Step(r);
          if (has_user && d == 0 && r.Chance(o_.alias_rate)) {
            // Sent from another code path: it may land before the identify.
            Add(t - 1000 + static_cast<int64_t>(r.Below(2000)), p.index, device, kAlias, 0);
          }
          const uint8_t junk = r.Chance(o_.junk_rate) ? kJunk : 0;
          Add(t, p.index, device, kIdentify, static_cast<uint8_t>(UserFlags(r, has_user) | junk));
          logged_in = has_user;
        }
        const int views = 1 + r.Geometric(0.5, 7);
        std::vector<OrderItem> cart;
        for (int v = 0; v < views; ++v) {
          const auto product = static_cast<uint16_t>(r.Below(w_.products.size()));
          t += Step(r);
          Stub& page = Add(t, p.index, device, app ? kScreen : kPage, UserFlags(r, logged_in));
          page.extra = kProductPage;
          page.product = product;
          t += 1000 + static_cast<int64_t>(r.Below(3000));
          Add(t, p.index, device, kProductViewed, UserFlags(r, logged_in)).product = product;
          if (r.Chance(0.25)) {
            t += Step(r);
            const auto quantity = static_cast<uint8_t>(r.Chance(0.85) ? 1 : 2);
            Add(t, p.index, device, kProductAdded, UserFlags(r, logged_in)).product = product;
            cart.push_back({product, quantity});
          }
        }
        if (!cart.empty() && logged_in && r.Chance(0.5)) {
          const auto order = static_cast<uint32_t>(orders_.size());
          orders_.push_back({static_cast<uint32_t>(order_items_.size()), static_cast<uint8_t>(cart.size())});
          order_items_.insert(order_items_.end(), cart.begin(), cart.end());
          t += Step(r);
          Add(t, p.index, device, kCheckoutStarted, UserFlags(r, true)).extra = order;
          t += Step(r);
          Add(t, p.index, device, kOrderCompleted, UserFlags(r, true)).extra = order;
          if (r.Chance(0.04)) {
            const int64_t later = std::min(end - 1, t + r.Range(1, 14) * kDayMs);
            Add(later, p.index, device, kOrderRefunded, UserFlags(r, true)).extra = order;
          }
        }
      }
    }
    if (has_user && !w_.kiosks.empty() && r.Chance(o_.kiosk_rate)) {
      const auto kiosk = static_cast<uint32_t>(r.Below(w_.kiosks.size()));
      // In the store, during opening hours (10:00-21:59).
      const int64_t day = static_cast<int64_t>(r.Below(static_cast<uint64_t>(o_.days)));
      const int64_t in_day = r.Range(10 * 3600, 22 * 3600 - 1) * 1000;
      const int64_t t = SeoulMidnightMs(o_.start) + day * kDayMs + in_day;
      Add(t, p.index, kKioskDevice, kIdentify, UserFlags(r, true)).extra = kiosk;
      const int64_t view_at = t + Step(r);
      Stub& view = Add(view_at, p.index, kKioskDevice, kProductViewed, UserFlags(r, true));
      view.extra = kiosk;
      view.product = static_cast<uint16_t>(r.Below(w_.products.size()));
    }
  }

  void ProductJson(JsonOut& out, uint16_t index, int quantity) const {
    const Product& pr = w_.products[index];
    out.Field("product_id", pr.sku);
    out.Field("sku", pr.sku);
    out.Field("name", pr.name);
    out.Field("category", pr.category);
    out.FieldInt("price", pr.price);
    if (quantity > 0) out.FieldInt("quantity", quantity);
  }

  void OrderJson(JsonOut& out, uint32_t index, Kind kind) const {
    const Order& order = orders_[index];
    std::string id = "ORD";
    AppendPadded(id, index + 1, 8);
    out.Field("order_id", id);
    int64_t revenue = 0;
    for (uint32_t i = order.first; i < order.first + order.count; ++i)
      revenue += int64_t{order_items_[i].quantity} * w_.products[order_items_[i].product].price;
    const int64_t shipping = revenue >= 50000 ? 0 : 3000;
    if (kind == kCheckoutStarted) {
      out.FieldInt("value", revenue);
      out.FieldInt("revenue", revenue);
    } else if (kind == kOrderCompleted) {
      out.FieldInt("total", revenue + shipping);
      out.FieldInt("revenue", revenue);
      out.FieldInt("shipping", shipping);
    } else {
      out.FieldInt("total", revenue + shipping);
    }
    out.Field("currency", "KRW");
    if (kind == kOrderRefunded) return;
    out.Key("products");
    out.BeginArray();
    for (uint32_t i = order.first; i < order.first + order.count; ++i) {
      out.BeginObject();
      ProductJson(out, order_items_[i].product, order_items_[i].quantity);
      out.EndObject();
    }
    out.EndArray();
  }

  // Identify traits as a JSON object (RudderStack repeats it in context.traits).
  std::string Traits(Rng& c, const Person& p, bool kiosk, bool junk) const {
    std::string email, phone, name, gender, birthday, member_id;
    const bool has_user = !p.user_id.empty();
    if (!kiosk && !p.emails.empty() && (!has_user || c.Chance(0.85)))
      email = EmailVariant(c, p.emails[c.Below(p.emails.size())]);
    if (has_user && c.Chance(kiosk ? 0.3 : 0.6)) {
      static constexpr PhoneStyle kStyles[] = {PhoneStyle::kDashed, PhoneStyle::kPlain,
                                               PhoneStyle::kIntl, PhoneStyle::kIntlCompact};
      const std::string& digits = p.phones[c.Below(p.phones.size())];
      phone = FormatPhone(digits, kStyles[c.Below(std::size(kStyles))]);
    }
    if (has_user && !kiosk && c.Chance(0.5))
      name = c.Chance(0.2) ? p.surname + " " + p.given_name : p.FullName();
    if (has_user && !kiosk && c.Chance(0.3)) gender = p.gender == 'M' ? "male" : "female";
    if (has_user && !kiosk && c.Chance(0.2)) birthday = FormatDate(p.birth, DateStyle::kIso);
    if (!p.member_id.empty() && c.Chance(0.5)) member_id = p.member_id;
    if (junk) {
      static constexpr const char* kJunkWords[] = {"unknown", "null", "undefined"};
      switch (c.Below(3)) {
        case 0: email = "test@test.com"; break;
        case 1: phone = c.Chance(0.5) ? "01000000000" : "010-0000-0000"; break;
        default: email = kJunkWords[c.Below(std::size(kJunkWords))]; break;
      }
    }
    std::string json;
    JsonOut t(json);
    t.BeginObject();
    if (!email.empty()) t.Field("email", email);
    if (!phone.empty()) t.Field("phone", phone);
    if (!name.empty()) t.Field("name", name);
    if (!gender.empty()) t.Field("gender", gender);
    if (!birthday.empty()) t.Field("birthday", birthday);
    if (!member_id.empty()) t.Field("member_id", member_id);
    t.EndObject();
    return json;
  }

  void Render(const Stub& s, JsonOut& m, std::string* message_id_out) const {
    Rng c(Mix(content_seed_, s.seq));
    const Person& p = w_.persons[s.person];
    const bool kiosk = s.device == kKioskDevice;
    Device dev;
    if (kiosk) {
      Rng k(Mix(seed_, s.person, 0x6b696f736bULL));
      const uint64_t a = k.Next();
      const uint64_t b = k.Next();
      dev.platform = Platform::kAndroid;
      dev.anonymous_id = Uuid(a, b);
      dev.device_id = w_.kiosks[s.extra].device_id;
    } else {
      dev = DeviceOf(s.person, s.device);
    }
    const bool app = dev.platform != Platform::kWeb;

    const uint64_t hi = c.Next();
    const uint64_t lo_random = c.Next();
    const uint64_t lo = (lo_random & ~((uint64_t{1} << 48) - 1)) | Scramble48(s.seq);
    std::string& message_id = *message_id_out;
    message_id = Uuid(hi, lo, dev.platform == Platform::kIos && !dev.rudder);
    if (!app && !dev.rudder) message_id = "ajs-next-" + std::to_string(s.ts_ms) + "-" + message_id;

    m.BeginObject();
    std::string traits, page;  // JSON, repeated in the context
    switch (s.kind) {
      case kPage:
      case kScreen: {
        m.Field("type", s.kind == kPage ? "page" : "screen");
        const bool product_page = s.extra == kProductPage;
        if (s.kind == kPage) {
          m.Field("name", product_page ? "Product" : "Home");
          const std::string path = product_page ? "/products/" + w_.products[s.product].sku : "/";
          JsonOut props(page);
          props.BeginObject();
          props.Field("path", path);
          props.Field("referrer", kReferrers[c.Below(std::size(kReferrers))]);
          props.Field("search", "");
          props.Field("title", product_page ? w_.products[s.product].name + " | 씸샵" : "씸샵 | 온라인 쇼핑");
          props.Field("url", std::string(kSite) + path);
          props.EndObject();
          m.Key("properties");
          m.Raw(page);
        } else {
          m.Field("name", product_page ? "Product Detail" : "Home");
          m.Key("properties");
          m.BeginObject();
          if (product_page) m.Field("product_id", w_.products[s.product].sku);
          m.EndObject();
        }
        break;
      }
      case kIdentify:
        m.Field("type", "identify");
        traits = Traits(c, p, kiosk, (s.flags & kJunk) != 0);
        m.Key("traits");
        m.Raw(traits);
        break;
      case kAlias:
        m.Field("type", "alias");
        m.Field("previousId", dev.anonymous_id);
        break;
      case kProductViewed:
      case kProductAdded:
        m.Field("type", "track");
        m.Field("event", s.kind == kProductViewed ? "Product Viewed" : "Product Added");
        m.Key("properties");
        m.BeginObject();
        ProductJson(m, s.product, s.kind == kProductAdded ? 1 : 0);
        m.Field("currency", "KRW");
        m.EndObject();
        break;
      case kCheckoutStarted:
      case kOrderCompleted:
      case kOrderRefunded:
        m.Field("type", "track");
        m.Field("event", s.kind == kCheckoutStarted  ? "Checkout Started"
                         : s.kind == kOrderCompleted ? "Order Completed"
                                                     : "Order Refunded");
        m.Key("properties");
        m.BeginObject();
        OrderJson(m, s.extra, static_cast<Kind>(s.kind));
        m.EndObject();
        break;
      default: break;
    }

    if (s.kind != kAlias) m.Field("anonymousId", dev.anonymous_id);
    if ((s.flags & kWithUser) != 0 || s.kind == kAlias) {
      if (s.kind == kIdentify && (s.flags & kJunk) != 0 && c.Chance(0.25)) {
        m.Field("userId", c.Chance(0.5) ? "undefined" : "null");  // a client bug seen in the wild
      } else if ((s.flags & kNumericUser) != 0) {
        m.FieldInt("userId", std::stoll(p.user_id));
      } else {
        m.Field("userId", p.user_id);
      }
    }
    m.Field("messageId", message_id);
    m.Field(dev.rudder ? "originalTimestamp" : "timestamp", IsoUtcMs(s.ts_ms));
    if (dev.rudder) {
      m.Field("sentAt", IsoUtcMs(s.ts_ms + 100 + static_cast<int64_t>(c.Below(2000))));
      m.Field("channel", app ? "mobile" : "web");
    }

    m.Key("context");
    m.BeginObject();
    if (app) {
      const bool ios = dev.platform == Platform::kIos;
      m.Key("app");
      m.BeginObject();
      m.Field("name", kiosk ? "Seam Kiosk" : "씸샵");
      m.Field("version", kiosk ? "2.3.0" : "5.12.0");
      m.Field("build", kiosk ? "230" : "51200");
      m.Field("namespace", kiosk ? "kr.co.seamshop.kiosk" : "kr.co.seamshop");
      m.EndObject();
      const Model& model = kiosk ? Model{"samsung", "SM-T870", "13"}
                           : ios ? kIosModels[dev.model]
                                 : kAndroidModels[dev.model];
      m.Key("device");
      m.BeginObject();
      m.Field("id", dev.device_id);
      m.Field("manufacturer", model.manufacturer);
      m.Field("model", model.model);
      m.Field("type", ios ? "ios" : "android");
      m.EndObject();
      m.Key("os");
      m.BeginObject();
      m.Field("name", ios ? "iOS" : "Android");
      m.Field("version", model.os_version);
      m.EndObject();
      m.Key("library");
      m.BeginObject();
      m.Field("name", dev.rudder ? (ios ? "rudder-ios-library" : "com.rudderstack.android.sdk.core")
                                 : (ios ? "analytics-ios" : "analytics-android"));
      m.Field("version", dev.rudder ? "1.20.1" : ios ? "4.1.8" : "4.11.3");
      m.EndObject();
      m.Key("network");
      m.BeginObject();
      m.FieldBool("wifi", c.Chance(0.6));
      if (!kiosk) m.Field("carrier", c.Chance(0.45) ? "SKTelecom" : c.Chance(0.5) ? "KT" : "LG U+");
      m.EndObject();
    } else {
      m.Key("library");
      m.BeginObject();
      m.Field("name", dev.rudder ? "RudderLabs JavaScript SDK" : "analytics.js");
      m.Field("version", dev.rudder ? "3.7.0" : "npm:next-1.70.0");
      m.EndObject();
      m.Key("page");
      if (!page.empty()) {
        m.Raw(page);
      } else {
        m.BeginObject();
        m.Field("path", "/");
        m.Field("url", std::string(kSite) + "/");
        m.EndObject();
      }
      m.Field("userAgent", kUserAgents[dev.model]);
    }
    m.Field("locale", "ko-KR");
    m.Field("timezone", "Asia/Seoul");
    if (dev.rudder && s.kind == kIdentify) {
      m.Key("traits");
      m.Raw(traits);
    }
    m.EndObject();
    if (!dev.rudder) {
      m.Key("integrations");
      m.BeginObject();
      m.EndObject();
    }
    m.EndObject();
  }

  const Options& o_;
  const World& w_;
  const uint64_t seed_;
  const uint64_t content_seed_;
  WeightedIndex hours_;
  std::vector<Stub> stubs_;
  std::vector<Order> orders_;
  std::vector<OrderItem> order_items_;
  uint32_t next_seq_ = 0;
};

}  // namespace

WriteStats Generator::WriteSegmentBatches(std::size_t per_batch,
                                          const std::function<bool(const std::string&)>& sink,
                                          TruthWriter* truth) const {
  return SegmentWriter(options_, *world_).Write(per_batch, sink, truth);
}

}  // namespace seam::synth
