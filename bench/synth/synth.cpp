#include "synth.h"

#include <ostream>

#include "csv_sink.h"
#include "format.h"
#include "world.h"

namespace seam::synth {

std::string Address::Line() const {
  std::string out = sido;
  if (!sigungu.empty()) out += " " + sigungu;
  out += " " + road + " " + std::to_string(building);
  if (!complex.empty())
    out += " " + complex + " " + std::to_string(dong) + "동 " + std::to_string(ho) + "호";
  return out;
}

std::string Validate(const Options& o) {
  if (o.persons == 0) return "persons must be at least 1";
  if (o.persons > 50'000'000) return "persons must be at most 50,000,000";
  if (o.days < 1 || o.days > 3660) return "days must be in 1..3660";
  if (o.start.month < 1 || o.start.month > 12 || o.start.day < 1 ||
      o.start.day > DaysInMonth(o.start.year, o.start.month) || o.start.year < 1970 ||
      o.start.year > 2200)
    return "start is not a valid date (1970..2200)";
  if (o.stores == 0 || o.stores > 999) return "stores must be in 1..999";
  if (o.kiosks > 99) return "kiosks must be at most 99";
  if (!(o.sessions_mean >= 1 && o.sessions_mean <= 50)) return "sessions_mean must be in 1..50";
  const std::pair<const char*, double> rates[] = {
      {"member_rate", o.member_rate},
      {"user_rate", o.user_rate},
      {"email_rate", o.email_rate},
      {"second_email_rate", o.second_email_rate},
      {"card_rate", o.card_rate},
      {"twin_rate", o.twin_rate},
      {"lookalike_rate", o.lookalike_rate},
      {"mover_rate", o.mover_rate},
      {"two_phone_rate", o.two_phone_rate},
      {"shared_phone_rate", o.shared_phone_rate},
      {"junk_rate", o.junk_rate},
      {"online_anonymous_rate", o.online_anonymous_rate},
      {"newsletter_rate", o.newsletter_rate},
      {"second_device_rate", o.second_device_rate},
      {"alias_rate", o.alias_rate},
      {"kiosk_rate", o.kiosk_rate},
      {"numeric_user_id_rate", o.numeric_user_id_rate},
      {"pos_anonymous_rate", o.pos_anonymous_rate},
      {"pos_return_rate", o.pos_return_rate},
      {"pos_store_phone_rate", o.pos_store_phone_rate},
      {"pos_phone_typo_rate", o.pos_phone_typo_rate},
      {"pos_split_rate", o.pos_split_rate},
      {"crm_extra_rate", o.crm_extra_rate},
      {"crm_duplicate_rate", o.crm_duplicate_rate},
      {"crm_correction_rate", o.crm_correction_rate},
  };
  for (const auto& [name, value] : rates)
    if (!(value >= 0 && value <= 1)) return std::string(name) + " must be in [0, 1]";
  if (o.twin_rate + o.lookalike_rate > 0.5) return "twin_rate + lookalike_rate must be at most 0.5";
  if (o.shared_phone_rate > 0.3) return "shared_phone_rate must be at most 0.3";
  if (o.two_phone_rate > 1 - o.shared_phone_rate)
    return "two_phone_rate must be at most 1 - shared_phone_rate";
  return "";
}

TruthWriter::TruthWriter(std::ostream& out) : out_(out) { buffer_ = "record_key,person_id\n"; }

TruthWriter::~TruthWriter() { Flush(); }

void TruthWriter::Add(std::string_view key, std::string_view person_id) {
  // Keys are ids and messageIds: none needs quoting, checked anyway.
  if (key.find_first_of(",\"\r\n") != std::string_view::npos) {
    buffer_ += '"';
    for (char c : key) {
      if (c == '"') buffer_ += '"';
      buffer_ += c;
    }
    buffer_ += '"';
  } else {
    buffer_.append(key);
  }
  buffer_ += ',';
  buffer_.append(person_id);
  buffer_ += '\n';
  ++records_;
  if (buffer_.size() >= (1 << 16)) Flush();
}

void TruthWriter::Flush() {
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_.clear();
}

Generator::Generator(const Options& options)
    : options_(options), world_(std::make_unique<World>(BuildWorld(options))) {}

Generator::~Generator() = default;

const std::vector<Person>& Generator::persons() const { return world_->persons; }

const std::vector<std::string>& PosColumns() {
  static const std::vector<std::string> kColumns = {
      "transaction_id", "store_id", "occurred_at",   "type",     "total_amount",
      "currency",       "member_id", "phone",        "email",    "card_token",
      "customer_name",  "sku",       "category",     "quantity", "unit_price"};
  return kColumns;
}

const std::vector<std::string>& CrmColumns() {
  static const std::vector<std::string> kColumns = {
      "customer_id", "member_id", "name",        "first_name", "last_name",
      "phone",       "email",     "birth_date",  "gender",     "postal_code",
      "address",     "city",      "joined_at",   "updated_at", "consent_marketing_email",
      "consent_marketing_sms",    "memo"};
  return kColumns;
}

WriteStats Generator::WritePersons(std::ostream& out) const {
  CsvSink csv(out, CsvFormat{Encoding::kUtf8, LineEnding::kLf, false});
  for (const char* h : {"person_id", "household", "name", "gender", "birth_date", "phones", "emails",
                        "member_id", "user_id", "card_tokens", "postal_code", "address",
                        "previous_address", "move_day", "hard_cases", "related"})
    csv.Field(h);
  csv.EndRow();
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : ";") + x;
    return s;
  };
  for (const Person& p : world_->persons) {
    csv.Field(p.id);
    csv.Field(static_cast<int64_t>(p.household));
    csv.Field(p.FullName());
    csv.Field(std::string_view(&p.gender, 1));
    csv.Field(FormatDate(p.birth, DateStyle::kIso));
    csv.Field(join(p.phones));
    csv.Field(join(p.emails));
    csv.Field(p.member_id);
    csv.Field(p.user_id);
    csv.Field(join(p.card_tokens));
    csv.Field(p.address.postal_code);
    csv.Field(p.address.Line());
    csv.Field(p.previous ? p.previous->Line() : "");
    csv.Field(p.previous ? std::to_string(p.move_day) : "");
    std::vector<std::string> cases;
    if (p.hard_cases & kTwin) cases.push_back("twin");
    if (p.hard_cases & kLookAlike) cases.push_back("lookalike");
    if (p.hard_cases & kMover) cases.push_back("mover");
    if (p.hard_cases & kTwoPhones) cases.push_back("two_phones");
    if (p.hard_cases & kSharedPhone) cases.push_back("shared_phone");
    csv.Field(join(cases));
    csv.Field(p.related >= 0 ? world_->persons[static_cast<size_t>(p.related)].id : "");
    csv.EndRow();
  }
  WriteStats stats;
  stats.ok = csv.Finish();
  stats.error = csv.error();
  stats.records = world_->persons.size();
  stats.rows = csv.rows() - 1;
  stats.bytes = csv.bytes();
  return stats;
}

}  // namespace seam::synth
