// The synthetic data generator (bench/synth): deterministic bytes, realistic
// name shares, every hard case at its configured rate, well-formed CSV and
// Segment batches, CP949 that decodes back, and a truth that covers every
// record.
#include "synth/synth.h"

#include <gtest/gtest.h>
#include <unicode/ucnv.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "synth/csv_sink.h"

namespace seam::synth {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// RFC 4180, strictly: a quote inside an unquoted field or a bare CR is an
// error. A leading UTF-8 BOM is skipped.
std::string ParseCsv(std::string_view s, Rows* rows) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  rows->clear();
  std::vector<std::string> row;
  std::string field;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '"') {
      ++i;
      for (;;) {
        if (i >= s.size()) return "unterminated quoted field in row " + std::to_string(rows->size() + 1);
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += s[i++];
      }
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
        if (s[i] == '"') return "quote inside an unquoted field in row " + std::to_string(rows->size() + 1);
        field += s[i++];
      }
    }
    if (i == s.size()) {
      row.push_back(std::move(field));
      rows->push_back(std::move(row));
      return "";
    }
    if (s[i] == ',') {
      row.push_back(std::move(field));
      field.clear();
      ++i;
      continue;
    }
    if (s[i] == '\r') {
      if (i + 1 >= s.size() || s[i + 1] != '\n') return "bare CR in row " + std::to_string(rows->size() + 1);
      ++i;
    }
    if (s[i] != '\n') return "garbage after a quoted field in row " + std::to_string(rows->size() + 1);
    ++i;
    row.push_back(std::move(field));
    field.clear();
    rows->push_back(std::move(row));
    row.clear();
  }
  return "";
}

struct Table {
  std::vector<std::string> header;
  Rows rows;
  size_t Col(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return static_cast<size_t>(it - header.begin());
  }
};

Table MustParse(const std::string& text) {
  Rows all;
  const std::string error = ParseCsv(text, &all);
  EXPECT_EQ(error, "");
  Table t;
  if (all.empty()) return t;
  t.header = all[0];
  t.rows.assign(all.begin() + 1, all.end());
  for (size_t r = 0; r < t.rows.size(); ++r)
    EXPECT_EQ(t.rows[r].size(), t.header.size()) << "data row " << r + 1;
  return t;
}

// Digits of a Korean mobile number as typed, in national form: "010...".
std::string NationalDigits(const std::string& typed) {
  std::string d;
  for (char c : typed)
    if (c >= '0' && c <= '9') d += c;
  if (d.rfind("82", 0) == 0) d = "0" + d.substr(2);
  return d;
}

Options Small(uint64_t seed) {
  Options o;
  o.seed = seed;
  o.persons = 3000;
  o.days = 90;
  return o;
}

struct Output {
  std::string persons, pos, crm, truth;
  std::vector<std::string> batches;
};

Output WriteAll(const Generator& g, const CsvFormat& format, uint64_t pos_rows, size_t per_batch = 50) {
  Output o;
  std::ostringstream persons, pos, crm, truth;
  {
    TruthWriter t(truth);
    EXPECT_TRUE(g.WritePersons(persons).ok);
    const WriteStats seg = g.WriteSegmentBatches(
        per_batch, [&](const std::string& json) { o.batches.push_back(json); return true; }, &t);
    EXPECT_TRUE(seg.ok) << seg.error;
    const WriteStats p = g.WritePos(pos, format, pos_rows, &t);
    EXPECT_TRUE(p.ok) << p.error;
    EXPECT_EQ(p.rows, pos_rows);
    const WriteStats c = g.WriteCrm(crm, format, &t);
    EXPECT_TRUE(c.ok) << c.error;
  }
  o.persons = persons.str();
  o.pos = pos.str();
  o.crm = crm.str();
  o.truth = truth.str();
  return o;
}

std::vector<nlohmann::json> Messages(const std::vector<std::string>& batches, size_t per_batch) {
  std::vector<nlohmann::json> out;
  for (const std::string& b : batches) {
    const nlohmann::json j = nlohmann::json::parse(b);
    EXPECT_TRUE(j.contains("sentAt"));
    EXPECT_LE(j["batch"].size(), per_batch);
    for (const auto& m : j["batch"]) out.push_back(m);
  }
  return out;
}

std::map<std::string, std::string> Truth(const std::string& text) {
  Table t = MustParse(text);
  EXPECT_EQ(t.header, (std::vector<std::string>{"record_key", "person_id"}));
  std::map<std::string, std::string> out;
  for (const auto& r : t.rows) {
    EXPECT_TRUE(out.emplace(r[0], r[1]).second) << "twice: " << r[0];
  }
  return out;
}

void ExpectShare(const char* what, double count, double total, double rate, double rel_tolerance) {
  const double share = count / total;
  EXPECT_NEAR(share, rate, rate * rel_tolerance + 1.0 / total)
      << what << ": " << count << " of " << total;
}

TEST(SynthTest, SameSeedSameBytesOtherSeedOtherBytes) {
  const CsvFormat format;
  const Generator a(Small(7)), b(Small(7)), c(Small(8));
  const Output oa = WriteAll(a, format, 2000);
  const Output ob = WriteAll(b, format, 2000);
  const Output again = WriteAll(a, format, 2000);  // writers keep no state between calls
  for (const Output* o : {&ob, &again}) {
    EXPECT_EQ(oa.persons, o->persons);
    EXPECT_EQ(oa.pos, o->pos);
    EXPECT_EQ(oa.crm, o->crm);
    EXPECT_EQ(oa.truth, o->truth);
    EXPECT_EQ(oa.batches, o->batches);
  }
  const Output oc = WriteAll(c, format, 2000);
  EXPECT_NE(oa.persons, oc.persons);
  EXPECT_NE(oa.pos, oc.pos);
  EXPECT_NE(oa.crm, oc.crm);
  EXPECT_NE(oa.batches, oc.batches);
}

TEST(SynthTest, OutputsDoNotDependOnEachOther) {
  const Generator a(Small(3)), b(Small(3));
  std::ostringstream pos_a, pos_b, crm_a, crm_b;
  ASSERT_TRUE(a.WritePos(pos_a, {}, 1500, nullptr).ok);
  ASSERT_TRUE(a.WriteCrm(crm_a, {}, nullptr).ok);
  // b writes Segment first and CRM before POS.
  ASSERT_TRUE(b.WriteSegmentBatches(100, [](const std::string&) { return true; }, nullptr).ok);
  ASSERT_TRUE(b.WriteCrm(crm_b, {}, nullptr).ok);
  ASSERT_TRUE(b.WritePos(pos_b, {}, 1500, nullptr).ok);
  EXPECT_EQ(pos_a.str(), pos_b.str());
  EXPECT_EQ(crm_a.str(), crm_b.str());
}

TEST(SynthTest, SurnameSharesFollowTheCensus) {
  Options o;
  o.persons = 100000;
  const Generator g(o);
  std::map<std::string, int> surnames;
  std::map<std::string, int> full_names;
  for (const Person& p : g.persons()) {
    ++surnames[p.surname];
    ++full_names[p.FullName()];
  }
  const double n = static_cast<double>(g.persons().size());
  ASSERT_EQ(n, 100000);
  const std::pair<const char*, double> census[] = {
      {"김", 0.215}, {"이", 0.147}, {"박", 0.084}, {"최", 0.047}, {"정", 0.043}};
  for (const auto& [surname, share] : census)
    EXPECT_NEAR(surnames[surname] / n, share, 0.006) << surname;
  // The order of the first five holds.
  EXPECT_GT(surnames["김"], surnames["이"]);
  EXPECT_GT(surnames["이"], surnames["박"]);
  EXPECT_GT(surnames["박"], surnames["최"]);
  int two_syllable = 0;
  for (const char* s : {"남궁", "황보", "제갈", "선우", "독고"}) two_syllable += surnames[s];
  EXPECT_GE(two_syllable, 30);  // about 0.08% of people
  EXPECT_GT(surnames["류"], 0);
  EXPECT_GT(surnames["유"], 0);
  // Full names collide as Korean names do: many people share one, but no
  // name is everyone's.
  int shared = 0, top = 0;
  for (const auto& [name, count] : full_names) {
    if (count > 1) shared += count;
    top = std::max(top, count);
  }
  EXPECT_GT(shared / n, 0.3);
  EXPECT_LT(shared / n, 0.95);
  EXPECT_GT(top, 20);
  EXPECT_LT(top / n, 0.01);
}

TEST(SynthTest, PersonHardCasesAtConfiguredRates) {
  Options o;
  o.persons = 20000;
  o.twin_rate = 0.02;
  o.lookalike_rate = 0.02;
  o.mover_rate = 0.10;
  o.two_phone_rate = 0.06;
  o.shared_phone_rate = 0.04;
  const Generator g(o);
  const auto& persons = g.persons();
  ASSERT_EQ(persons.size(), o.persons);
  int twins = 0, lookalikes = 0, movers = 0, two_phones = 0, shared = 0;
  std::map<std::string, std::set<uint32_t>> phone_owners;
  for (const Person& p : persons) {
    ASSERT_EQ(p.index, static_cast<uint32_t>(&p - persons.data()));
    for (const std::string& ph : p.phones) {
      ASSERT_EQ(ph.size(), 11u);
      ASSERT_EQ(ph.substr(0, 3), "010");
      phone_owners[ph].insert(p.index);
    }
    if (p.hard_cases & kTwin) {
      ++twins;
      const Person& t = persons[static_cast<size_t>(p.related)];
      EXPECT_TRUE(t.hard_cases & kTwin);
      EXPECT_EQ(t.surname, p.surname);
      EXPECT_EQ(t.birth, p.birth);
      EXPECT_EQ(t.address, p.address);
      EXPECT_EQ(t.household, p.household);
      EXPECT_NE(t.given_name, p.given_name);
    }
    if (p.hard_cases & kLookAlike) {
      ++lookalikes;
      const Person& l = persons[static_cast<size_t>(p.related)];
      EXPECT_EQ(l.FullName(), p.FullName());
      EXPECT_EQ(l.birth, p.birth);
      EXPECT_EQ(l.gender, p.gender);
      EXPECT_NE(l.household, p.household);
      EXPECT_NE(l.address.postal_code, p.address.postal_code);
      for (const std::string& ph : p.phones)
        EXPECT_EQ(std::count(l.phones.begin(), l.phones.end(), ph), 0);
    }
    if (p.hard_cases & kMover) {
      ++movers;
      ASSERT_TRUE(p.previous.has_value());
      EXPECT_NE(p.previous->postal_code, p.address.postal_code);
      EXPECT_GE(p.move_day, 0);
      EXPECT_LT(p.move_day, o.days);
    } else {
      EXPECT_FALSE(p.previous.has_value());
    }
    if (p.hard_cases & kTwoPhones) {
      ++two_phones;
      ASSERT_EQ(p.phones.size(), 2u);
      EXPECT_NE(p.phones[0], p.phones[1]);
    }
    if (p.hard_cases & kSharedPhone) {
      ++shared;
      ASSERT_EQ(p.phones.size(), 1u);
      bool housemate = false;
      for (const Person& q : persons)
        if (q.index != p.index && q.household == p.household && !q.phones.empty() &&
            q.phones[0] == p.phones[0] && (q.hard_cases & kSharedPhone) == 0)
          housemate = true;
      EXPECT_TRUE(housemate) << p.id;
    }
  }
  // Apart from a shared family phone, no two persons have one number.
  for (const auto& [phone, owners] : phone_owners) {
    if (owners.size() < 2) continue;
    int sharers = 0;
    for (uint32_t i : owners) sharers += (persons[i].hard_cases & kSharedPhone) != 0;
    EXPECT_EQ(sharers, static_cast<int>(owners.size()) - 1) << phone;
  }
  const double n = static_cast<double>(persons.size());
  ExpectShare("twins", twins, n, o.twin_rate, 0.1);
  ExpectShare("look-alikes", lookalikes, n, o.lookalike_rate, 0.1);
  ExpectShare("shared phones", shared, n, o.shared_phone_rate, 0.1);
  ExpectShare("movers", movers, n, o.mover_rate, 0.25);
  ExpectShare("two phones", two_phones, n, o.two_phone_rate, 0.25);
}

TEST(SynthTest, SegmentMessagesAreValidAndCarryTheOnlineHardCases) {
  Options o = Small(11);
  o.junk_rate = 0.1;
  o.kiosk_rate = 0.2;
  o.alias_rate = 0.3;
  const Generator g(o);
  std::vector<std::string> batches;
  std::ostringstream truth_text;
  size_t truth_records = 0;
  {
    TruthWriter truth(truth_text);
    const WriteStats s = g.WriteSegmentBatches(
        40, [&](const std::string& json) { batches.push_back(json); return true; }, &truth);
    ASSERT_TRUE(s.ok) << s.error;
    EXPECT_EQ(s.rows, batches.size());
    truth_records = truth.records();
  }
  const std::vector<nlohmann::json> messages = Messages(batches, 40);
  ASSERT_GT(messages.size(), 10000u);
  EXPECT_EQ(truth_records, messages.size());
  const auto truth = Truth(truth_text.str());
  std::map<std::string, const Person*> by_id;
  for (const Person& p : g.persons()) by_id[p.id] = &p;

  std::set<std::string> ids;
  std::map<std::string, std::set<std::string>> kiosk_users;          // device id -> userIds
  std::map<std::string, std::set<std::string>> person_anonymous_ids;  // person -> own devices
  std::map<std::string, std::string> anonymous_owner;
  std::set<std::string> types, events, kiosk_people;
  int identifies = 0, junk_identifies = 0, app = 0, web = 0, aliases = 0, orders = 0, numeric = 0;
  std::vector<const nlohmann::json*> alias_messages;
  const std::string after = "2024-04-01";  // 90 days from 2024-01-01, in UTC
  for (const auto& m : messages) {
    const std::string id = m["messageId"];
    EXPECT_TRUE(ids.insert(id).second) << "duplicate messageId " << id;
    const auto t = truth.find("seg:" + id);
    ASSERT_NE(t, truth.end()) << id;
    const Person& p = *by_id.at(t->second);
    const std::string type = m["type"];
    types.insert(type);
    if (type == "alias") {
      EXPECT_TRUE(m.contains("userId") && m.contains("previousId"));
      alias_messages.push_back(&m);
      ++aliases;
    } else {
      EXPECT_TRUE(m.contains("anonymousId") || m.contains("userId"));
    }
    const std::string ts = m.contains("timestamp") ? m["timestamp"] : m["originalTimestamp"];
    EXPECT_GE(ts, "2023-12-31T15:00:00.000Z");  // midnight in Seoul
    EXPECT_LT(ts.substr(0, 10), after);
    const auto& ctx = m["context"];
    if (ctx.contains("app")) {
      ++app;
      EXPECT_TRUE(ctx.contains("device") && ctx.contains("os"));
      EXPECT_FALSE(ctx.contains("userAgent"));
    } else {
      ++web;
      EXPECT_TRUE(ctx.contains("page") && ctx.contains("userAgent"));
    }
    if (m.contains("userId") && m["userId"].is_number()) ++numeric;
    const bool kiosk = ctx.contains("device") && ctx["device"]["id"].get<std::string>().rfind("kiosk-", 0) == 0;
    if (kiosk) {
      kiosk_users[ctx["device"]["id"]].insert(p.user_id);
      kiosk_people.insert(p.id);
    } else if (m.contains("anonymousId")) {
      const std::string anon = m["anonymousId"];
      person_anonymous_ids[p.id].insert(anon);
      const auto [it, inserted] = anonymous_owner.emplace(anon, p.id);
      EXPECT_EQ(it->second, p.id) << "one anonymousId, two persons";
      (void)inserted;
    }
    if (m.contains("userId") && !(m["userId"] == "undefined" || m["userId"] == "null")) {
      const std::string uid = m["userId"].is_number() ? std::to_string(m["userId"].get<int64_t>())
                                                     : m["userId"].get<std::string>();
      EXPECT_EQ(uid, p.user_id);
    }
    if (type == "identify") {
      ++identifies;
      const auto& tr = m["traits"];
      const bool junk = (tr.contains("email") && (tr["email"] == "test@test.com" || tr["email"] == "unknown" ||
                                                  tr["email"] == "null" || tr["email"] == "undefined")) ||
                        (tr.contains("phone") && NationalDigits(tr["phone"]) == "01000000000");
      junk_identifies += junk;
      if (!junk && tr.contains("phone")) {
        const std::string d = NationalDigits(tr["phone"]);
        EXPECT_NE(std::find(p.phones.begin(), p.phones.end(), d), p.phones.end()) << tr["phone"];
      }
      if (m.contains("channel")) {
        EXPECT_TRUE(ctx.contains("traits"));  // RudderStack copies traits
      }
    }
    if (type == "track") {
      events.insert(m["event"].get<std::string>());
      if (m["event"] == "Order Completed") {
        ++orders;
        const auto& pr = m["properties"];
        EXPECT_EQ(pr["currency"], "KRW");
        EXPECT_TRUE(pr["order_id"].is_string());
        int64_t sum = 0;
        for (const auto& item : pr["products"]) {
          EXPECT_TRUE(item["category"].is_string());
          sum += item["price"].get<int64_t>() * item["quantity"].get<int64_t>();
        }
        EXPECT_EQ(pr["revenue"].get<int64_t>(), sum);
        EXPECT_TRUE(m.contains("userId"));
      }
    }
  }
  EXPECT_EQ(types, (std::set<std::string>{"alias", "identify", "page", "screen", "track"}));
  for (const char* e : {"Product Viewed", "Product Added", "Checkout Started", "Order Completed"})
    EXPECT_TRUE(events.count(e)) << e;
  EXPECT_GT(app, 1000);
  EXPECT_GT(web, 1000);
  EXPECT_GT(orders, 20);
  EXPECT_GT(numeric, 0);
  ExpectShare("junk identifies", junk_identifies, identifies, o.junk_rate, 0.35);

  // The shared kiosks: each seen with many userIds.
  size_t account_holders = 0, online = 0, two_devices = 0;
  for (const Person& p : g.persons()) account_holders += !p.user_id.empty();
  for (const auto& [person, anons] : person_anonymous_ids) {
    ++online;
    two_devices += anons.size() >= 2;
  }
  EXPECT_EQ(kiosk_users.size(), o.kiosks);
  for (const auto& [device, users] : kiosk_users) {
    EXPECT_GE(users.size(), 20u) << device;
  }
  ExpectShare("kiosk visitors", static_cast<double>(kiosk_people.size()), account_holders, o.kiosk_rate, 0.3);
  ExpectShare("second devices", two_devices, online, o.second_device_rate, 0.3);
  // Aliases tie a person's own anonymousId to their userId.
  for (const nlohmann::json* a : alias_messages) {
    const auto owner = anonymous_owner.find((*a)["previousId"]);
    ASSERT_NE(owner, anonymous_owner.end());
    EXPECT_EQ(by_id.at(owner->second)->user_id, (*a)["userId"].get<std::string>());
  }
  EXPECT_GT(aliases, 0);
}

TEST(SynthTest, PosCsvIsWellFormedAndHoldsTheOfflineHardCases) {
  Options o = Small(5);
  o.pos_return_rate = 0.05;
  o.pos_anonymous_rate = 0.2;
  o.pos_store_phone_rate = 0.03;
  o.pos_phone_typo_rate = 0.05;
  o.pos_split_rate = 0.1;
  o.junk_rate = 0;
  const Generator g(o);
  for (const LineEnding ending : {LineEnding::kCrLf, LineEnding::kLf}) {
    std::ostringstream out, truth_text;
    const uint64_t rows = 30000;
    {
      TruthWriter truth(truth_text);
      const WriteStats s = g.WritePos(out, CsvFormat{Encoding::kUtf8, ending, true}, rows, &truth);
      ASSERT_TRUE(s.ok) << s.error;
      EXPECT_EQ(s.rows, rows);
    }
    const std::string text = out.str();
    EXPECT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
    EXPECT_EQ(text.find("\r\n") != std::string::npos, ending == LineEnding::kCrLf);
    const Table t = MustParse(text);
    EXPECT_EQ(t.header, PosColumns());
    ASSERT_EQ(t.rows.size(), rows);
    if (ending == LineEnding::kLf) continue;

    const auto truth = Truth(truth_text.str());
    std::map<std::string, const Person*> by_id;
    for (const Person& p : g.persons()) by_id[p.id] = &p;
    const size_t tx = t.Col("transaction_id"), store = t.Col("store_id"), type = t.Col("type"),
                 total = t.Col("total_amount"), member = t.Col("member_id"), phone = t.Col("phone"),
                 email = t.Col("email"), card = t.Col("card_token"), qty = t.Col("quantity"),
                 price = t.Col("unit_price"), at = t.Col("occurred_at");
    struct Seen {
      std::vector<size_t> rows;
      int64_t sum = 0;
    };
    std::map<std::string, Seen> receipts;
    for (size_t r = 0; r < t.rows.size(); ++r) {
      const auto& row = t.rows[r];
      Seen& s = receipts[row[store] + ":" + row[tx]];
      if (!s.rows.empty()) {
        // Receipt columns repeat on every row of the receipt.
        const auto& firstrow = t.rows[s.rows[0]];
        for (size_t c : {at, type, total, member, phone, email, card}) {
          EXPECT_EQ(row[c], firstrow[c]);
        }
      }
      s.rows.push_back(r);
      s.sum += std::stoll(row[qty]) * std::stoll(row[price]);
      EXPECT_EQ(row[at].size(), 19u);
      EXPECT_EQ(row[at][10], ' ');
    }
    EXPECT_EQ(receipts.size(), truth.size());
    int returns = 0, anonymous = 0, split = 0, typed = 0, typos = 0;
    std::map<std::string, std::set<std::string>> phone_people;  // typed phone -> true persons
    std::set<std::string> phone_shapes;
    for (const auto& [key, s] : receipts) {
      const auto truth_it = truth.find("pos:" + key);
      ASSERT_NE(truth_it, truth.end()) << key;
      const Person& p = *by_id.at(truth_it->second);
      const auto& row = t.rows[s.rows[0]];
      EXPECT_EQ(std::llabs(std::stoll(row[total])), s.sum) << key;
      if (row[type] == "return") ++returns;
      if (row[type] != "return") {
        EXPECT_GE(std::stoll(row[total]), 0);
      }
      if (row[member].empty() && row[phone].empty() && row[email].empty() && row[card].empty()) ++anonymous;
      if (s.rows.back() - s.rows.front() + 1 != s.rows.size()) ++split;
      if (!row[member].empty()) {
        EXPECT_EQ(row[member], p.member_id);
      }
      if (!row[card].empty()) {
        EXPECT_EQ(row[card].rfind("tok_", 0), 0u);
        EXPECT_NE(std::find(p.card_tokens.begin(), p.card_tokens.end(), row[card]), p.card_tokens.end());
      }
      if (!row[phone].empty()) {
        phone_people[NationalDigits(row[phone])].insert(p.id);
        std::string shape;
        for (char c : row[phone]) shape += (c >= '0' && c <= '9') ? '9' : c;
        phone_shapes.insert(shape);
      }
    }
    // A store's own phone, typed for customers who gave none: one number, many people.
    std::set<std::string> store_phones;  // typed for 3+ people, none of whom it belongs to
    size_t big_fan_outs = 0;
    for (const auto& [digits, people] : phone_people) {
      bool is_person_phone = false;
      for (const auto& id : people) {
        for (const std::string& ph : by_id.at(id)->phones) is_person_phone |= ph == digits;
      }
      if (people.size() >= 3 && !is_person_phone) {
        store_phones.insert(digits);
        big_fan_outs += people.size() >= 10;
      }
    }
    EXPECT_LE(store_phones.size(), o.stores);
    EXPECT_GE(big_fan_outs, 5u);
    // Typos: a phone that is none of the buyer's, once store phones are set aside.
    for (const auto& [key, s] : receipts) {
      const auto& row = t.rows[s.rows[0]];
      if (row[phone].empty() || store_phones.count(NationalDigits(row[phone]))) continue;
      if (row[type] == "return") continue;  // a return repeats its sale's typing
      const Person& p = *by_id.at(truth.at("pos:" + key));
      ++typed;
      typos += std::find(p.phones.begin(), p.phones.end(), NationalDigits(row[phone])) == p.phones.end();
    }
    const double n = static_cast<double>(receipts.size());
    ExpectShare("returns", returns, n, o.pos_return_rate, 0.25);
    ExpectShare("anonymous", anonymous, n, o.pos_anonymous_rate, 0.15);
    ExpectShare("phone typos", typos, typed, o.pos_phone_typo_rate, 0.35);
    EXPECT_GT(split, 50);
    // "010-1234-5678", "01012345678", "010 1234 5678", "+82 10-...", "+8210...", "82-10-..."
    for (const char* shape : {"999-9999-9999", "99999999999", "999 9999 9999", "+99 99-9999-9999",
                              "+999999999999", "99-99-9999-9999"})
      EXPECT_TRUE(phone_shapes.count(shape)) << shape;
  }
}

TEST(SynthTest, CrmCsvHasDuplicatesAndCorrections) {
  Options o = Small(9);
  o.crm_duplicate_rate = 0.1;
  o.crm_correction_rate = 0.1;
  const Generator g(o);
  std::ostringstream out, truth_text;
  WriteStats s;
  {
    TruthWriter truth(truth_text);
    s = g.WriteCrm(out, CsvFormat{Encoding::kUtf8, LineEnding::kLf, false}, &truth);
  }
  ASSERT_TRUE(s.ok) << s.error;
  const Table t = MustParse(out.str());
  EXPECT_EQ(t.header, CrmColumns());
  EXPECT_EQ(t.rows.size(), s.rows);
  const auto truth = Truth(truth_text.str());
  std::map<std::string, const Person*> by_id;
  for (const Person& p : g.persons()) by_id[p.id] = &p;
  const size_t id = t.Col("customer_id"), name = t.Col("name"), first = t.Col("first_name"),
               last = t.Col("last_name"), birth = t.Col("birth_date"), updated = t.Col("updated_at"),
               postal = t.Col("postal_code"), memo = t.Col("memo"), member = t.Col("member_id");
  std::map<std::string, std::vector<size_t>> by_customer;
  std::map<std::string, std::set<std::string>> customers_of_person;
  std::set<size_t> birth_lengths;
  int named = 0, split_named = 0, multiline_memos = 0;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    by_customer[row[id]].push_back(r);
    const auto it = truth.find("crm:" + row[id]);
    ASSERT_NE(it, truth.end()) << row[id];
    customers_of_person[it->second].insert(row[id]);
    if (!row[birth].empty()) birth_lengths.insert(row[birth].size() * 10 + (row[birth][4] == '.' ? 1 : 0));
    if (!row[name].empty()) {
      ++named;
      EXPECT_TRUE(row[first].empty() && row[last].empty());
    } else {
      ++split_named;
      EXPECT_FALSE(row[first].empty() || row[last].empty());
    }
    multiline_memos += row[memo].find('\n') != std::string::npos;
    if (!row[member].empty()) {
      EXPECT_EQ(row[member], by_id.at(it->second)->member_id);
    }
  }
  EXPECT_EQ(truth.size(), by_customer.size());  // every customer_id once in the truth
  // ISO (10), YYYYMMDD (8) and YYYY.MM.DD (10, dotted) all occur.
  EXPECT_EQ(birth_lengths, (std::set<size_t>{80, 100, 101}));
  EXPECT_GT(named, 0);
  EXPECT_GT(split_named, 0);
  EXPECT_GT(multiline_memos, 0);

  int corrected = 0, movers_corrected = 0, movers_in_crm = 0;
  for (const auto& [customer, rows] : by_customer) {
    ASSERT_LE(rows.size(), 2u);
    if (rows.size() < 2) continue;
    ++corrected;
    const auto& a = t.rows[rows[0]];
    const auto& b = t.rows[rows[1]];
    EXPECT_LT(a[updated], b[updated]) << customer;
    std::vector<std::string> a_rest = a, b_rest = b;
    a_rest[updated].clear();
    b_rest[updated].clear();
    EXPECT_NE(a_rest, b_rest) << "a correction changes content: " << customer;
    const Person& p = *by_id.at(truth.at("crm:" + customer));
    if (p.previous) {
      ++movers_corrected;
      if (!a[postal].empty()) {
        EXPECT_EQ(a[postal], p.previous->postal_code);
      }
      if (!b[postal].empty()) {
        EXPECT_EQ(b[postal], p.address.postal_code);
      }
    }
  }
  int persons_in_crm = 0, duplicated = 0;
  for (const auto& [person, customers] : customers_of_person) {
    ++persons_in_crm;
    duplicated += customers.size() >= 2;
    movers_in_crm += by_id.at(person)->previous.has_value();
  }
  EXPECT_EQ(movers_corrected, movers_in_crm);
  ExpectShare("duplicated persons", duplicated, persons_in_crm, o.crm_duplicate_rate, 0.3);
  ExpectShare("corrections (besides movers)", corrected - movers_corrected, persons_in_crm - movers_in_crm,
              o.crm_correction_rate, 0.3);
  // Members always have a row.
  for (const Person& p : g.persons()) {
    if (!p.member_id.empty()) {
      EXPECT_TRUE(customers_of_person.count(p.id)) << p.id;
    }
  }
}

std::string Cp949ToUtf8(const std::string& bytes, UErrorCode* status) {
  UConverter* cp949 = ucnv_open("windows-949-2000", status);
  UConverter* utf8 = ucnv_open("UTF-8", status);
  std::string out(bytes.size() * 3 / 2 + 16, '\0');
  if (U_SUCCESS(*status)) {
    ucnv_setToUCallBack(cp949, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, status);
    const char* src = bytes.data();
    char* target = out.data();
    ucnv_convertEx(utf8, cp949, &target, out.data() + out.size(), &src, bytes.data() + bytes.size(),
                   nullptr, nullptr, nullptr, nullptr, true, true, status);
    out.resize(static_cast<size_t>(target - out.data()));
  }
  if (cp949 != nullptr) ucnv_close(cp949);
  if (utf8 != nullptr) ucnv_close(utf8);
  return out;
}

TEST(SynthTest, Cp949OutputDecodesToTheUtf8Text) {
  const Generator g(Small(21));
  std::ostringstream pos_utf8, pos_cp949, crm_utf8, crm_cp949;
  const CsvFormat utf8{Encoding::kUtf8, LineEnding::kCrLf, false};
  const CsvFormat cp949{Encoding::kCp949, LineEnding::kCrLf, true};  // BOM: UTF-8 only
  ASSERT_TRUE(g.WritePos(pos_utf8, utf8, 5000, nullptr).ok);
  const WriteStats s = g.WritePos(pos_cp949, cp949, 5000, nullptr);
  ASSERT_TRUE(s.ok) << s.error;
  ASSERT_TRUE(g.WriteCrm(crm_utf8, utf8, nullptr).ok);
  ASSERT_TRUE(g.WriteCrm(crm_cp949, cp949, nullptr).ok);
  for (const auto& [u, c] : {std::pair{pos_utf8.str(), pos_cp949.str()}, std::pair{crm_utf8.str(), crm_cp949.str()}}) {
    EXPECT_LT(c.size(), u.size());  // Hangul: 2 bytes instead of 3
    EXPECT_NE(c.substr(0, 3), "\xEF\xBB\xBF");
    UErrorCode status = U_ZERO_ERROR;
    const std::string decoded = Cp949ToUtf8(c, &status);
    ASSERT_TRUE(U_SUCCESS(status)) << u_errorName(status);
    EXPECT_TRUE(decoded == u) << "decoded CP949 differs from the UTF-8 output";
  }
  EXPECT_EQ(s.bytes, pos_cp949.str().size());
}

TEST(SynthTest, Cp949StopsAtAnUnmappableCharacter) {
  std::ostringstream out;
  CsvSink csv(out, CsvFormat{Encoding::kCp949, LineEnding::kLf, false});
  csv.Field("김민준");
  csv.EndRow();
  csv.Field("emoji \xF0\x9F\x98\x80");  // U+1F600: no CP949 code
  csv.EndRow();
  EXPECT_FALSE(csv.Finish());
  EXPECT_NE(csv.error().find("CP949"), std::string::npos) << csv.error();
  EXPECT_EQ(out.str().find('?'), std::string::npos);  // nothing substituted
}

TEST(SynthTest, TruthCoversEveryRecord) {
  const Generator g(Small(13));
  const Output o = WriteAll(g, CsvFormat{}, 4000, 100);
  const auto truth = Truth(o.truth);
  std::set<std::string> keys;
  for (const auto& m : Messages(o.batches, 100)) keys.insert("seg:" + m["messageId"].get<std::string>());
  const Table pos = MustParse(o.pos);
  for (const auto& row : pos.rows) keys.insert("pos:" + row[pos.Col("store_id")] + ":" + row[pos.Col("transaction_id")]);
  const Table crm = MustParse(o.crm);
  for (const auto& row : crm.rows) keys.insert("crm:" + row[crm.Col("customer_id")]);
  std::set<std::string> truth_keys;
  std::set<std::string> person_ids;
  for (const Person& p : g.persons()) person_ids.insert(p.id);
  for (const auto& [key, person] : truth) {
    truth_keys.insert(key);
    EXPECT_TRUE(person_ids.count(person)) << key;
  }
  EXPECT_EQ(truth_keys, keys);
  // The persons file lists every person once.
  const Table persons = MustParse(o.persons);
  EXPECT_EQ(persons.rows.size(), g.persons().size());
}

TEST(SynthTest, ValidateRejectsBadOptions) {
  Options o;
  EXPECT_EQ(Validate(o), "");
  o.twin_rate = 1.5;
  EXPECT_NE(Validate(o), "");
  o = Options{};
  o.persons = 0;
  EXPECT_NE(Validate(o), "");
  o = Options{};
  o.start = {2024, 2, 30};
  EXPECT_NE(Validate(o), "");
}

}  // namespace
}  // namespace seam::synth
