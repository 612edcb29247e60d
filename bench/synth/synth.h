// Deterministic synthetic Korean customer data for Seam's tests and
// benchmarks: persons grouped in households, with the hard cases identity
// resolution gets wrong (twins, look-alikes, movers, two phones, a shared
// family phone), and what Seam ingests about them — Segment batches
// (SPEC §3), POS and CRM CSV exports (SPEC §4) — plus the truth (record key
// -> true person) that accuracy measurements need.
//
// Determinism: for equal Options every output is identical byte for byte on
// any platform and standard library. Randomness is std::mt19937_64 (whose
// sequence the standard fixes) with distributions written here (the std::
// ones differ between libraries). Each output draws from its own stream
// derived from the seed, so writing POS first or last, or writing more POS
// rows, changes neither the persons nor the Segment or CRM output.
//
// The library depends on the standard library and ICU (for CP949) only, not
// on seam_core, so a benchmark can generate data without the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seam::synth {

struct Date {
  int year = 2024;
  int month = 1;
  int day = 1;
  bool operator==(const Date&) const = default;
};

// A Korean road address. An apartment complex (아파트, 동/호) is shared by
// many households and has one postal code; a house takes the postal code of
// its road block. So postal codes repeat either way, as they do in Korea.
struct Address {
  std::string sido;         // "서울특별시"
  std::string sido_short;   // "서울"
  std::string sigungu;      // "강남구"; empty for 세종특별자치시
  std::string road;         // "테헤란로", "중앙로12번길"
  int building = 0;         // 152
  std::string complex;      // "래미안 센트럴"; empty for a house
  int dong = 0;             // 105 (동); 0 for a house
  int ho = 0;               // 1203 (호); 0 for a house
  std::string postal_code;  // 5 digits
  // "서울특별시 강남구 테헤란로 152 래미안 센트럴 105동 1203호"
  std::string Line() const;
  bool operator==(const Address&) const = default;
};

// Hard cases, as bits of Person::hard_cases. Person::related names the
// other person involved.
enum HardCase : uint32_t {
  kTwin = 1u << 0,         // same surname, birth date, address; other given name. related: the twin
  kLookAlike = 1u << 1,    // same full name, birth date, gender as a person of another
                           // household; other phone and address. related: the other one
  kMover = 1u << 2,        // the household moved on move_day; `previous` is the old address
  kTwoPhones = 1u << 3,    // phones holds two own numbers
  kSharedPhone = 1u << 4,  // gives a household member's phone as theirs. related: its owner
};

struct Person {
  uint32_t index = 0;         // position in Generator::persons()
  std::string id;             // "P0000042": the person id in the truth file
  uint32_t household = 0;
  std::string surname;        // "김", "남궁"
  std::string given_name;     // "민준"
  std::string surname_roman;  // "kim"
  std::string given_roman;    // "minjun" (Revised Romanization, per syllable)
  char gender = 'M';          // 'M' or 'F'
  Date birth;
  Address address;                  // current address
  std::optional<Address> previous;  // movers only: the address before move_day
  int move_day = -1;                // movers only: day of the period (0-based) of the move
  std::vector<std::string> phones;  // 11 digits "010XXXXXXXX"; phones[0] is given first
  std::vector<std::string> emails;  // lower case, unique per person (a shared one never)
  std::string member_id;            // loyalty number "M#########", "" for non-members
  std::string user_id;              // app/web account, 8 digits, "" without an account
  std::vector<std::string> card_tokens;  // "tok_" + 24 base62
  uint32_t hard_cases = 0;               // HardCase bits
  int64_t related = -1;                  // index of the other person of a hard case
  std::string FullName() const { return surname + given_name; }
};

// Sizes and rates. A rate is a probability in [0, 1]; its unit is stated.
struct Options {
  uint64_t seed = 1;
  std::size_t persons = 10000;
  // The period the events, receipts and CRM updates fall in (Asia/Seoul).
  Date start{2024, 1, 1};
  int days = 366;

  // Identifiers, of persons.
  double member_rate = 0.45;        // loyalty members (member_id)
  double user_rate = 0.40;          // app/web accounts (user_id)
  double email_rate = 0.85;         // have an email
  double second_email_rate = 0.05;  // have two
  double card_rate = 0.85;          // have a payment card (card_token)

  // Hard cases. twin, look-alike and shared-phone rates are exact shares of
  // persons (kept on target as households are made); mover is a share of
  // households, two-phones of persons (independent draws).
  double twin_rate = 0.01;
  double lookalike_rate = 0.01;
  double mover_rate = 0.08;
  double two_phone_rate = 0.05;
  double shared_phone_rate = 0.03;

  // Junk values (test@test.com, 01000000000, "unknown", "null",
  // "undefined"), of identifier values written: Segment identify traits and
  // userIds, POS phones, CRM emails and phones.
  double junk_rate = 0.005;

  // Online (Segment).
  double online_anonymous_rate = 0.25;  // of persons without an account: browse anonymously
  double newsletter_rate = 0.35;        // of those: identify with traits.email only
  double second_device_rate = 0.25;     // of online persons
  double alias_rate = 0.10;             // of account holders: an alias call at login
  double kiosk_rate = 0.05;             // of account holders: log in once at a store kiosk
  std::size_t kiosks = 4;               // shared kiosk devices (one device id each)
  double sessions_mean = 3.0;           // sessions per device
  double numeric_user_id_rate = 0.05;   // of messages with a userId: sent as a JSON number

  // POS, of receipts.
  std::size_t stores = 40;
  double pos_anonymous_rate = 0.20;    // cash, no identifier at all
  double pos_return_rate = 0.03;       // returns of an earlier sale
  double pos_store_phone_rate = 0.01;  // the store's own phone typed (fan-out junk)
  double pos_phone_typo_rate = 0.02;   // of phones typed: one digit off or two swapped
  double pos_split_rate = 0.03;        // of multi-row receipts: a row placed apart

  // CRM, of persons (members always have a row).
  double crm_extra_rate = 0.10;       // non-members with a row (service contacts)
  double crm_duplicate_rate = 0.06;   // of persons with a row: a second customer_id
  double crm_correction_rate = 0.05;  // of rows: a later version with changed content
                                      // (movers' rows always get one, with the new address)
};

// "" when `options` can be generated from, else what is wrong.
std::string Validate(const Options& options);

enum class Encoding { kUtf8, kCp949 };
enum class LineEnding { kCrLf, kLf };

struct CsvFormat {
  Encoding encoding = Encoding::kUtf8;
  LineEnding line_ending = LineEnding::kCrLf;
  bool bom = false;  // UTF-8 only: start with EF BB BF
};

// The column order of the files (SPEC §4 names). CRM rows fill either
// `name` or `first_name` + `last_name`; `memo` is an unknown column (a trait)
// that sometimes holds commas, quotes and line breaks.
const std::vector<std::string>& PosColumns();
const std::vector<std::string>& CrmColumns();

struct WriteStats {
  bool ok = true;
  std::string error;     // why writing stopped, when !ok
  uint64_t records = 0;  // messages / receipts / CRM rows (corrections included)
  uint64_t rows = 0;     // CSV data rows / Segment batches
  uint64_t bytes = 0;    // bytes written (after encoding)
};

// The truth: CSV "record_key,person_id" (LF, header first). Keys:
// "seg:<messageId>", "pos:<store_id>:<transaction_id>", "crm:<customer_id>";
// each record once (a CRM correction does not repeat its customer_id).
// Buffered: the stream holds every line after Flush() or destruction.
class TruthWriter {
 public:
  explicit TruthWriter(std::ostream& out);
  ~TruthWriter();
  TruthWriter(const TruthWriter&) = delete;
  TruthWriter& operator=(const TruthWriter&) = delete;

  void Add(std::string_view key, std::string_view person_id);
  void Flush();
  uint64_t records() const { return records_; }

 private:
  std::ostream& out_;
  std::string buffer_;
  uint64_t records_ = 0;
};

struct World;  // persons, households, stores, products, kiosks

// Builds the persons at construction (about 11 µs and 1.5 KB each); the
// writers stream their output and may be called any number of times, in
// any order, from one thread at a time, each giving the same bytes.
class Generator {
 public:
  // REQUIRES: Validate(options).empty()
  explicit Generator(const Options& options);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  const Options& options() const { return options_; }
  const std::vector<Person>& persons() const;

  // Segment messages of every online person and the kiosks, in timestamp
  // order, as {"batch":[...],"sentAt":"..."} of up to `per_batch` messages
  // each, handed to `sink` one by one (false from sink stops). Holds all
  // messages as 32-byte stubs (~22 per online person) and renders one batch
  // at a time. Message shapes follow sdk-wire-formats.md: analytics.js
  // (web, "ajs-next-..." ids), analytics-android/ios, and RudderStack
  // (originalTimestamp, per-message sentAt, channel, traits copied into
  // context.traits).
  WriteStats WriteSegmentBatches(std::size_t per_batch,
                                 const std::function<bool(const std::string& json)>& sink,
                                 TruthWriter* truth) const;

  // Exactly `rows` POS rows (a receipt is 1-6 rows) spread over the period's
  // days (weekends busier), in time order but for split receipts' late rows;
  // streamed day by day: memory does not grow with `rows`.
  WriteStats WritePos(std::ostream& out, const CsvFormat& format, uint64_t rows,
                      TruthWriter* truth) const;

  // The CRM export: one row per person with a row, duplicates under other
  // customer_ids, then the corrections (same customer_id, later updated_at).
  WriteStats WriteCrm(std::ostream& out, const CsvFormat& format, TruthWriter* truth) const;

  // The persons themselves, UTF-8 CSV (LF): what the truth's person ids are.
  WriteStats WritePersons(std::ostream& out) const;

 private:
  Options options_;
  std::unique_ptr<const World> world_;
};

}  // namespace seam::synth
