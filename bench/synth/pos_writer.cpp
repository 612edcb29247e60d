// POS export (SPEC §4): one row per line item, the receipt's columns
// repeated on each of its rows. Generated day by day: a day's receipts are
// made, sorted by time, numbered per store and written, so memory stays
// one day's worth whatever the row count.
#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <ostream>

#include "csv_sink.h"
#include "format.h"
#include "korean.h"
#include "rng.h"
#include "synth.h"
#include "world.h"

namespace seam::synth {
namespace {

// Day of week 0 = Sunday. Saturdays and Sundays are busier.
constexpr uint32_t kWeekdayWeights[7] = {14, 10, 10, 10, 10, 12, 15};
// Opening hours 10:00-21:59, lunch and evening peaks.
constexpr int kFirstHour = 10;
constexpr uint32_t kHourWeights[12] = {4, 6, 9, 8, 6, 6, 7, 9, 10, 9, 6, 3};
constexpr uint32_t kPhoneStyleWeights[6] = {40, 30, 5, 10, 5, 10};  // by PhoneStyle
constexpr std::size_t kPastSales = 8192;
constexpr int kMaxItems = 6;

struct Item {
  uint16_t product = 0;
  uint8_t quantity = 1;
};

// Short text kept inside the receipt, so that a day of receipts is a few
// flat allocations rather than several strings per receipt.
struct Text {
  char data[95];
  uint8_t size = 0;
  void Set(std::string_view s) {
    size = static_cast<uint8_t>(std::min(s.size(), sizeof data));
    std::memcpy(data, s.data(), size);
  }
  std::string_view view() const { return {data, size}; }
};

struct Ids {
  const std::string* member_id = nullptr;
  const std::string* card_token = nullptr;
  Text phone, email, name;
};

struct Receipt {
  int64_t at_ms = 0;
  uint32_t made = 0;  // creation order: ties in time keep it
  uint32_t person = 0;
  uint32_t number = 0;  // per store and day
  uint16_t store = 0;
  bool is_return = false;
  bool negative = false;     // a return's amount written with a minus sign
  bool blank_type = false;   // sale left to the default
  bool blank_currency = false;
  uint8_t item_count = 0;
  Item items[kMaxItems];
  Ids ids;
};

struct PastSale {
  uint32_t person = 0;
  uint16_t store = 0;
  Item item;
  Ids ids;
};

constexpr std::string_view Str(const std::string* s) { return s == nullptr ? std::string_view() : *s; }

class PosWriter {
 public:
  PosWriter(const Options& o, const World& w, std::ostream& out, const CsvFormat& format,
            TruthWriter* truth)
      : o_(o), w_(w), csv_(out, format), truth_(truth), rng_(StreamSeed(o.seed, Stream::kPos)),
        hours_(kHourWeights), phone_styles_(kPhoneStyleWeights) {
    std::vector<uint32_t> weights(w.persons.size());
    bool any = false;
    for (uint32_t& x : weights) {
      // A few heavy shoppers, many occasional ones, a quarter never in a store.
      x = 0;
      if (rng_.Chance(0.75)) {
        const uint64_t a = rng_.Below(4);
        x = static_cast<uint32_t>(1 + a * (1 + rng_.Below(4)));
      }
      any = any || x > 0;
    }
    if (!any) std::fill(weights.begin(), weights.end(), 1);
    shoppers_ = WeightedIndex(weights);
    for (std::size_t s = 0; s < w.stores.size(); ++s)
      stores_by_sido_[Regions()[w.stores[s].region].sido].push_back(static_cast<uint16_t>(s));
    for (const Product& p : w.products) prices_.push_back(p.price);
    home_store_.reserve(w.persons.size());
    for (const Person& p : w.persons) {
      const uint64_t h = Mix(o.seed, p.index);
      auto it = stores_by_sido_.find(p.address.sido);
      home_store_.push_back(it == stores_by_sido_.end() ? static_cast<uint16_t>(h % w.stores.size())
                                                        : it->second[h % it->second.size()]);
    }
  }

  WriteStats Write(uint64_t rows) {
    for (const std::string& c : PosColumns()) csv_.Field(c);
    csv_.EndRow();
    std::vector<uint64_t> cumulative{0};
    for (int d = 0; d < o_.days; ++d) {
      const Date date = CivilFromDays(DaysFromCivil(o_.start) + d);
      const int64_t dow = ((DaysFromCivil(date) + 4) % 7 + 7) % 7;
      cumulative.push_back(cumulative.back() + kWeekdayWeights[dow]);
    }
    const uint64_t total = cumulative.back();
    auto share = [&](int d) { return rows / total * cumulative[d] + rows % total * cumulative[d] / total; };
    for (int d = 0; d < o_.days && csv_.ok(); ++d) Day(d, share(d + 1) - share(d));
    WriteStats stats;
    stats.ok = csv_.Finish();
    stats.error = csv_.error();
    stats.records = receipts_written_;
    stats.rows = csv_.rows() - 1;
    stats.bytes = csv_.bytes();
    return stats;
  }

 private:
  void Day(int day, uint64_t rows) {
    const Date date = CivilFromDays(DaysFromCivil(o_.start) + day);
    const int64_t midnight = SeoulMidnightMs(date);
    receipts_.clear();
    uint64_t made_rows = 0;
    while (made_rows < rows) {
      receipts_.emplace_back();
      Receipt& r = receipts_.back();
      if (rng_.Chance(o_.pos_return_rate) && !past_.empty()) {
        Return(r);
      } else {
        Sale(r, static_cast<int>(std::min<uint64_t>(rows - made_rows, kMaxItems)));
      }
      r.made = static_cast<uint32_t>(receipts_.size() - 1);
      const int64_t hour = kFirstHour + static_cast<int64_t>(hours_.Pick(rng_));
      r.at_ms = midnight + hour * 3600000 + static_cast<int64_t>(rng_.Below(3600)) * 1000;
      made_rows += r.item_count;
    }
    order_.resize(receipts_.size());
    for (uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
      const Receipt& x = receipts_[a];
      const Receipt& y = receipts_[b];
      return x.at_ms != y.at_ms ? x.at_ms < y.at_ms : x.made < y.made;
    });
    counters_.assign(w_.stores.size(), 0);
    for (uint32_t i : order_) receipts_[i].number = ++counters_[receipts_[i].store];
    const std::string day_prefix = FormatDate(date, DateStyle::kCompact) + "-";

    // Split receipts: the last row waits until `after` receipts later.
    deferred_.clear();  // min-heap of (position to follow, receipt)
    const std::size_t n = order_.size();
    for (std::size_t k = 0; k < n; ++k) {
      const Receipt& r = receipts_[order_[k]];
      int last = r.item_count;
      if (r.item_count >= 2 && k + 1 < n && rng_.Chance(o_.pos_split_rate)) {
        --last;
        deferred_.emplace_back(k + 1 + rng_.Below(std::min<std::size_t>(20, n - k - 1)), order_[k]);
        std::push_heap(deferred_.begin(), deferred_.end(), std::greater<>());
      }
      TransactionId(day_prefix, r);
      const std::string at = SeoulLocal(r.at_ms);
      for (int i = 0; i < last; ++i) Row(r, at, i);
      if (truth_ != nullptr) {
        key_.assign("pos:").append(w_.stores[r.store].id).append(":").append(txn_);
        person_id_.assign("P");
        AppendPadded(person_id_, r.person, 7);  // Person::id, without touching the person
        truth_->Add(key_, person_id_);
      }
      ++receipts_written_;
      while (!deferred_.empty() && deferred_.front().first == k) {
        std::pop_heap(deferred_.begin(), deferred_.end(), std::greater<>());
        const Receipt& late = receipts_[deferred_.back().second];
        deferred_.pop_back();
        TransactionId(day_prefix, late);
        Row(late, SeoulLocal(late.at_ms), late.item_count - 1);
      }
    }

    for (uint32_t i : order_) {
      const Receipt& r = receipts_[i];
      if (r.is_return) continue;
      PastSale s;
      s.person = r.person;
      s.store = r.store;
      s.item = r.items[rng_.Below(r.item_count)];
      s.ids = r.ids;
      if (past_.size() < kPastSales) {
        past_.push_back(s);
      } else {
        past_[rng_.Below(kPastSales)] = s;
      }
    }
  }

  void TransactionId(const std::string& day_prefix, const Receipt& r) {
    txn_.assign(day_prefix);
    AppendPadded(txn_, r.number, 5);
  }

  void Sale(Receipt& r, int max_items) {
    r.person = static_cast<uint32_t>(shoppers_.Pick(rng_));
    const Person& p = w_.persons[r.person];
    r.store = StoreFor(p);
    r.item_count = static_cast<uint8_t>(std::min(max_items, 1 + rng_.Geometric(0.55, kMaxItems - 1)));
    for (int i = 0; i < r.item_count; ++i) {
      r.items[i].product = static_cast<uint16_t>(rng_.Below(w_.products.size()));
      const uint64_t q = rng_.Below(100);
      r.items[i].quantity = q < 80 ? 1 : q < 95 ? 2 : 3;
    }
    r.blank_type = rng_.Chance(0.05);
    r.blank_currency = rng_.Chance(0.10);
    if (rng_.Chance(o_.pos_anonymous_rate)) return;  // cash, nothing asked

    Ids& ids = r.ids;
    if (!p.card_tokens.empty() && rng_.Chance(0.75))
      ids.card_token = &p.card_tokens[rng_.Below(p.card_tokens.size())];
    const bool member = !p.member_id.empty() && rng_.Chance(0.8);
    if (member) ids.member_id = &p.member_id;
    bool phone = member ? rng_.Chance(0.2) : rng_.Chance(0.6);
    if (ids.card_token == nullptr && !member) phone = true;  // an identified receipt names someone
    if (rng_.Chance(o_.pos_store_phone_rate)) {
      ids.phone.Set(FormatPhone(w_.stores[r.store].phone, PhoneStyle::kDashed));
    } else if (phone) {
      ids.phone.Set(TypedPhone(p));
    }
    if (!p.emails.empty() && rng_.Chance(0.08))
      ids.email.Set(EmailVariant(rng_, p.emails[rng_.Below(p.emails.size())]));
    if (rng_.Chance(0.15)) ids.name.Set(rng_.Chance(0.3) ? p.surname + " " + p.given_name : p.FullName());
  }

  void Return(Receipt& r) {
    const PastSale& s = past_[rng_.Below(past_.size())];
    r.person = s.person;
    r.store = rng_.Chance(0.8) ? s.store : StoreFor(w_.persons[s.person]);
    r.is_return = true;
    r.negative = rng_.Chance(0.5);
    r.ids = s.ids;
    r.items[0] = s.item;
    r.items[0].quantity = static_cast<uint8_t>(1 + rng_.Below(s.item.quantity));
    r.item_count = 1;
    r.blank_currency = rng_.Chance(0.10);
  }

  std::string TypedPhone(const Person& p) {
    if (rng_.Chance(o_.junk_rate)) return rng_.Chance(0.5) ? "01000000000" : "010-0000-0000";
    std::string digits = p.phones[rng_.Below(p.phones.size())];
    if (rng_.Chance(o_.pos_phone_typo_rate)) digits = PhoneTypo(rng_, digits);
    return FormatPhone(digits, static_cast<PhoneStyle>(phone_styles_.Pick(rng_)));
  }

  // Mostly the person's home store (one of their sido, fixed per person).
  uint16_t StoreFor(const Person& p) {
    if (rng_.Chance(0.2)) return static_cast<uint16_t>(rng_.Below(w_.stores.size()));
    return home_store_[p.index];
  }

  void Row(const Receipt& r, std::string_view at, int item) {
    int64_t total = 0;
    for (int i = 0; i < r.item_count; ++i) total += int64_t{r.items[i].quantity} * prices_[r.items[i].product];
    const Product& product = w_.products[r.items[item].product];
    csv_.Field(txn_);
    csv_.Field(w_.stores[r.store].id);
    csv_.Field(at);
    csv_.Field(r.is_return ? "return" : r.blank_type ? "" : "sale");
    csv_.Field(r.negative ? -total : total);
    csv_.Field(r.blank_currency ? "" : "KRW");
    csv_.Field(Str(r.ids.member_id));
    csv_.Field(r.ids.phone.view());
    csv_.Field(r.ids.email.view());
    csv_.Field(Str(r.ids.card_token));
    csv_.Field(r.ids.name.view());
    csv_.Field(product.sku);
    csv_.Field(product.category);
    csv_.Field(int64_t{r.items[item].quantity});
    csv_.Field(int64_t{product.price});
    csv_.EndRow();
  }

  const Options& o_;
  const World& w_;
  CsvSink csv_;
  TruthWriter* truth_;
  Rng rng_;
  WeightedIndex shoppers_, hours_, phone_styles_;
  std::map<std::string, std::vector<uint16_t>, std::less<>> stores_by_sido_;
  std::vector<uint32_t> prices_;
  std::vector<PastSale> past_;
  // Reused from day to day.
  std::vector<Receipt> receipts_;
  std::vector<uint32_t> order_, counters_;
  std::vector<std::pair<std::size_t, uint32_t>> deferred_;  // min-heap on position
  std::vector<uint16_t> home_store_;  // by person
  std::string txn_, key_, person_id_;
  uint64_t receipts_written_ = 0;
};

}  // namespace

WriteStats Generator::WritePos(std::ostream& out, const CsvFormat& format, uint64_t rows,
                               TruthWriter* truth) const {
  return PosWriter(options_, *world_, out, format, truth).Write(rows);
}

}  // namespace seam::synth
