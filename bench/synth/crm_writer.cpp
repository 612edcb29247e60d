// CRM / membership export (SPEC §4): a row per customer_id. A person may
// have a second customer_id from another system (typed differently, often
// stale), and a row may come again later with changed content (a
// correction: same customer_id, later updated_at) — always so for movers.
#include <ostream>
#include <unordered_set>

#include "csv_sink.h"
#include "format.h"
#include "korean.h"
#include "rng.h"
#include "synth.h"
#include "world.h"

namespace seam::synth {
namespace {

constexpr const char* kMemos[] = {
    "VIP 고객, 주말 방문 선호",
    "\"배송 전 연락\" 요청",
    "주소 확인 필요\n(구주소 기재)",
    "반품 이력 있음, \"주의\"",
    "전화 선호\r\n문자 수신 거부 의사 있음",
};
constexpr const char* kJunkEmails[] = {"null", "unknown", "test@test.com", "undefined"};

struct Row {
  uint32_t person = 0;
  int64_t updated_ms = 0;
  std::string f[17];  // CrmColumns() order
};
enum Col {
  kCustomerId, kMemberId, kName, kFirstName, kLastName, kPhone, kEmail, kBirthDate, kGender,
  kPostal, kAddress, kCity, kJoinedAt, kUpdatedAt, kConsentEmail, kConsentSms, kMemo
};

class CrmWriter {
 public:
  CrmWriter(const Options& o, const World& w) : o_(o), w_(w), rng_(StreamSeed(o.seed, Stream::kCrm)) {
    start_ms_ = SeoulMidnightMs(o.start);
    end_ms_ = start_ms_ + int64_t{o.days} * kDayMs - 1;
  }

  WriteStats Write(std::ostream& out, const CsvFormat& format, TruthWriter* truth) {
    std::vector<Row> rows, corrections;
    for (const Person& p : w_.persons) {
      if (p.member_id.empty() && !rng_.Chance(o_.crm_extra_rate)) continue;
      const bool mover = p.previous.has_value();
      const int64_t move_ms = start_ms_ + int64_t{p.move_day} * kDayMs;
      const int64_t joined = Between(start_ms_ - 5 * 365 * kDayMs, mover ? move_ms - 1 : end_ms_);
      Row row = MakeRow(p, "C", joined, mover ? *p.previous : p.address, mover ? move_ms - 1 : end_ms_);
      if (mover) {
        corrections.push_back(Moved(row, p, move_ms));
      } else if (rng_.Chance(o_.crm_correction_rate)) {
        corrections.push_back(Corrected(row, p));
      }
      if (rng_.Chance(o_.crm_duplicate_rate)) {
        // Another system's record: registered on its own date, never told of a move.
        const int64_t joined2 = Between(start_ms_ - 3 * 365 * kDayMs, mover ? move_ms - 1 : end_ms_);
        Row dup = MakeRow(p, "K", joined2, mover ? *p.previous : p.address, end_ms_);
        Vary(dup, p);
        rows.push_back(std::move(dup));
      }
      rows.push_back(std::move(row));
    }
    rng_.Shuffle(rows);
    rng_.Shuffle(corrections);

    CsvSink csv(out, format);
    for (const std::string& c : CrmColumns()) csv.Field(c);
    csv.EndRow();
    for (const Row& r : rows) {
      for (const std::string& f : r.f) csv.Field(f);
      csv.EndRow();
      if (truth != nullptr) truth->Add("crm:" + r.f[kCustomerId], w_.persons[r.person].id);
    }
    for (const Row& r : corrections) {
      for (const std::string& f : r.f) csv.Field(f);
      csv.EndRow();
    }
    WriteStats stats;
    stats.ok = csv.Finish();
    stats.error = csv.error();
    stats.records = rows.size() + corrections.size();
    stats.rows = csv.rows() - 1;
    stats.bytes = csv.bytes();
    return stats;
  }

 private:
  int64_t Between(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(hi - lo) / 1000)) * 1000;
  }

  Row MakeRow(const Person& p, const char* prefix, int64_t joined, const Address& address,
              int64_t updated_before) {
    Row r;
    r.person = p.index;
    r.f[kCustomerId] = NewCustomerId(prefix);
    r.f[kMemberId] = prefix[0] == 'C' ? p.member_id : "";
    SetName(r, p, false);
    r.f[kPhone] = rng_.Chance(o_.junk_rate) ? "01000000000" : Phone(p.phones[0]);
    if (rng_.Chance(o_.junk_rate)) {
      r.f[kEmail] = rng_.Pick(std::span<const char* const>(kJunkEmails));
    } else if (!p.emails.empty() && rng_.Chance(0.9)) {
      r.f[kEmail] = p.emails[0];
    }
    if (rng_.Chance(0.9)) {
      const uint64_t s = rng_.Below(10);
      r.f[kBirthDate] = FormatDate(p.birth, s < 5 ? DateStyle::kIso : s < 8 ? DateStyle::kCompact
                                                                      : DateStyle::kDotted);
    }
    const uint64_t g = rng_.Below(100);
    if (g < 60) {
      r.f[kGender] = p.gender == 'M' ? "M" : "F";
    } else if (g < 85) {
      r.f[kGender] = p.gender == 'M' ? "남" : "여";
    }
    SetAddress(r, address);
    r.f[kJoinedAt] = SeoulLocal(joined);
    r.updated_ms = Between(joined, updated_before);
    r.f[kUpdatedAt] = SeoulLocal(r.updated_ms);
    // Consent leans to "no", as opt-ins do.
    r.f[kConsentEmail] = rng_.Chance(0.4) ? "y" : "n";
    r.f[kConsentSms] = rng_.Chance(0.3) ? "y" : "n";
    if (rng_.Chance(0.02)) r.f[kMemo] = rng_.Pick(std::span<const char* const>(kMemos));
    return r;
  }

  void SetName(Row& r, const Person& p, bool typo) {
    const std::string given = typo ? HangulTypo(rng_, p.given_name) : p.given_name;
    r.f[kName].clear();
    r.f[kFirstName].clear();
    r.f[kLastName].clear();
    if (rng_.Chance(0.7)) {
      r.f[kName] = rng_.Chance(0.1) ? p.surname + " " + given : p.surname + given;
    } else {
      r.f[kFirstName] = given;
      r.f[kLastName] = p.surname;
    }
  }

  void SetAddress(Row& r, const Address& a) {
    r.f[kPostal] = rng_.Chance(0.95) ? a.postal_code : "";
    const uint64_t style = rng_.Below(10);
    if (style < 6 || a.complex.empty()) {
      r.f[kAddress] = a.Line();
    } else if (style < 8) {
      // Without the sido, which the city column carries.
      const std::string line = a.Line();
      r.f[kAddress] = line.substr(std::min(line.size(), a.sido.size() + 1));
    } else {
      // The official form: "..., 105동 1203호 (래미안 센트럴)".
      r.f[kAddress] = a.sido + (a.sigungu.empty() ? "" : " " + a.sigungu) + " " + a.road + " " +
                      std::to_string(a.building) + ", " + std::to_string(a.dong) + "동 " +
                      std::to_string(a.ho) + "호 (" + a.complex + ")";
    }
    const uint64_t c = rng_.Below(10);
    r.f[kCity] = c < 6 ? a.sido : c < 9 ? a.sido_short : "";
  }

  std::string Phone(const std::string& digits) {
    const uint64_t s = rng_.Below(100);
    const PhoneStyle style = s < 70   ? PhoneStyle::kDashed
                             : s < 90 ? PhoneStyle::kPlain
                             : s < 95 ? PhoneStyle::kSpaced
                                      : PhoneStyle::kIntl;
    return FormatPhone(digits, style);
  }

  // The other system typed things its own way: a name slip, the other
  // phone, a typo, another email or none.
  void Vary(Row& r, const Person& p) {
    if (!p.member_id.empty() && rng_.Chance(0.4)) r.f[kMemberId] = p.member_id;
    if (rng_.Chance(0.3)) {
      SetName(r, p, true);
    } else if (rng_.Chance(0.05)) {
      r.f[kName] = Capitalised(p.given_roman) + " " + Capitalised(p.surname_roman);
      r.f[kFirstName].clear();
      r.f[kLastName].clear();
    }
    if (p.phones.size() > 1 && rng_.Chance(0.6)) {
      r.f[kPhone] = Phone(p.phones[1]);
    } else if (rng_.Chance(0.1)) {
      r.f[kPhone] = Phone(PhoneTypo(rng_, p.phones[0]));
    }
    if (p.emails.size() > 1 && rng_.Chance(0.6)) {
      r.f[kEmail] = p.emails[1];
    } else if (rng_.Chance(0.3)) {
      r.f[kEmail].clear();
    } else if (!r.f[kEmail].empty()) {
      r.f[kEmail] = EmailVariant(rng_, r.f[kEmail]);
    }
  }

  Row Moved(const Row& original, const Person& p, int64_t move_ms) {
    Row r = original;
    SetAddress(r, p.address);
    Touch(r, std::max(move_ms, original.updated_ms));
    return r;
  }

  Row Corrected(const Row& original, const Person& p) {
    Row r = original;
    switch (rng_.Below(4)) {
      case 0:
        r.f[kConsentEmail] = r.f[kConsentEmail] == "y" ? "n" : "y";
        break;
      case 1:
        r.f[kPhone] = p.phones.size() > 1 ? Phone(p.phones[1]) : FormatPhone(p.phones[0], PhoneStyle::kIntl);
        if (r.f[kPhone] == original.f[kPhone]) r.f[kConsentSms] = r.f[kConsentSms] == "y" ? "n" : "y";
        break;
      case 2:
        if (p.emails.size() > 1 && r.f[kEmail] != p.emails[1]) {
          r.f[kEmail] = p.emails[1];
        } else {
          r.f[kEmail] = r.f[kEmail].empty() && !p.emails.empty() ? p.emails[0] : "";
        }
        break;
      default:
        r.f[kConsentSms] = r.f[kConsentSms] == "y" ? "n" : "y";
        break;
    }
    bool changed = false;
    for (int i = 0; i < 17; ++i) changed = changed || (i != kUpdatedAt && r.f[i] != original.f[i]);
    if (!changed) r.f[kConsentEmail] = r.f[kConsentEmail] == "y" ? "n" : "y";
    Touch(r, original.updated_ms);
    return r;
  }

  // A later updated_at than `after`, inside the period when possible.
  void Touch(Row& r, int64_t after) {
    const int64_t hi = std::max(after + 1000, std::min(end_ms_, after + 60 * kDayMs));
    r.updated_ms = Between(after + 1000, hi);
    r.f[kUpdatedAt] = SeoulLocal(r.updated_ms);
  }

  static std::string Capitalised(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
  }

  std::string NewCustomerId(const char* prefix) {
    for (;;) {
      std::string id = prefix;
      AppendPadded(id, rng_.Below(100000000), 8);
      if (ids_.insert(id).second) return id;
    }
  }

  const Options& o_;
  const World& w_;
  Rng rng_;
  int64_t start_ms_ = 0, end_ms_ = 0;
  std::unordered_set<std::string> ids_;
};

}  // namespace

WriteStats Generator::WriteCrm(std::ostream& out, const CsvFormat& format, TruthWriter* truth) const {
  return CrmWriter(options_, *world_).Write(out, format, truth);
}

}  // namespace seam::synth
