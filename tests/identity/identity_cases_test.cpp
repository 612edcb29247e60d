// Identity behaviour as data: each file in tests/identity/cases/ lists records
// and the profiles they must form. Every case runs in many orders of its
// records (all permutations up to 4, else 26 fixed-seed shuffles) against a real
// RocksDB, and every order must render the same text.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "identity/person.h"
#include "identity/resolver.h"
#include "profile/profile_writer.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace seam::identity {
namespace {

// A record, or an admin's decision between two identifiers ("merge" /
// "apart"): both are items a case runs in every order.
struct CaseRecord {
  std::string name;
  Record record;
  std::optional<std::pair<Identifier, Identifier>> decision;
  bool merge = false;
};

struct Case {
  std::string file;
  std::string title;
  std::vector<CaseRecord> records;
  std::string expected;                              // cluster lines, sorted
  std::vector<std::pair<std::string, std::string>> resolves;  // record -> id name
  // "region: grows": in some order a record's region must reach its ring
  // and grow (resolver.cpp, PlanRegion), so the case keeps testing that.
  bool region_grows = false;
  // "blocks: max=N solo=M": the block rule (blocking.h) instead of the default.
  std::optional<BlockRule> blocks;
};

Key256 TestKey() {
  Key256 k{};
  k.fill(42);
  return k;
}

LinkPolicy TestPolicy() {
  LinkPolicy p;
  p.types = {{"user_id", {1, 1}},    {"member_id", {1, 2}},  {"email", {5, 3}},       {"phone", {5, 4}},
             {"card_token", {0, 5}}, {"device_id", {0, 6}}, {"anonymous_id", {0, 7}}, {"customer_id", {0, 8}},
             {std::string(kAttrsType), {0, 1000}}};
  return p;
}

// Cases quarantine a value seen with more than three person keys.
Resolver::Options TestOptions() {
  Resolver::Options o;
  o.quarantine_fanout = 3;
  return o;
}

const Normalizer& CaseNormalizer() {
  static const Normalizer n("KR");
  return n;
}

Identifier ParseIdentifier(const std::string& token) {
  auto colon = token.find(':');
  if (colon == std::string::npos) throw std::runtime_error("bad identifier " + token);
  return {token.substr(0, colon), token.substr(colon + 1)};
}

// "record r1 t=100 user_id:u1 email:a@x.com" / "alias r3 t=300 user:u2 previous:a1"
CaseRecord ParseRecord(const std::string& line) {
  std::istringstream in(line);
  std::string kind, token;
  CaseRecord cr;
  in >> kind >> cr.name;
  if (kind == "merge" || kind == "apart") {
    // "merge NAME type:value type:value"
    std::string a, b;
    in >> a >> b;
    cr.decision = std::make_pair(ParseIdentifier(a), ParseIdentifier(b));
    cr.merge = kind == "merge";
    return cr;
  }
  Record& r = cr.record;
  identity::RawPerson person;
  bool has_person = false;
  r.record_key = "case:" + cr.name;
  r.dedup_key = r.record_key;
  r.message_id = cr.name;
  r.type = kind == "alias" ? "alias" : "track";
  r.event = "Seen";
  std::string user, previous;
  while (in >> token) {
    if (token.rfind("t=", 0) == 0) {
      r.occurred_at = r.display_at = std::stoll(token.substr(2));
      continue;
    }
    // Match attributes: name=, first=, last=, dob=, gender=, pc=, addr=, city= ('_' for a space).
    if (auto eq = token.find('='); eq != std::string::npos) {
      std::string key = token.substr(0, eq), value = token.substr(eq + 1);
      std::replace(value.begin(), value.end(), '_', ' ');
      std::map<std::string, std::string*> slots = {{"name", &person.name},     {"first", &person.first_name},
                                                   {"last", &person.last_name}, {"dob", &person.birth_date},
                                                   {"gender", &person.gender},  {"pc", &person.postal_code},
                                                   {"addr", &person.address},   {"city", &person.city}};
      if (!slots.count(key)) throw std::runtime_error("bad attribute " + token);
      *slots[key] = value;
      has_person = true;
      continue;
    }
    auto colon = token.find(':');
    if (colon == std::string::npos) throw std::runtime_error("bad token " + token);
    std::string type = token.substr(0, colon), value = token.substr(colon + 1);
    if (kind == "alias" && type == "user") user = value;
    else if (kind == "alias" && type == "previous") previous = value;
    else r.identifiers.push_back({type, value});
  }
  if (kind == "alias") {
    r.alias = true;
    r.identifiers = {{"user_id", user}, {"user_id", previous}, {"anonymous_id", previous}};
  }
  if (has_person) {
    for (const auto& id : r.identifiers) {
      if (id.type == "phone") person.phones.push_back(id.value);
      if (id.type == "email") person.emails.push_back(id.value);
    }
    r.match_attributes = EncodePerson(NormalizePerson(CaseNormalizer(), person));
    r.replaceable = true;  // like the CRM rows that carry attributes
  }
  return cr;
}

std::vector<Case> LoadCases() {
  std::vector<Case> cases;
  const std::filesystem::path dir = std::filesystem::path(SEAM_SOURCE_DIR) / "tests/identity/cases";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".case") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path);
    std::string line;
    Case* c = nullptr;
    bool in_expect = false;
    std::vector<std::string> expect_lines;
    auto finish = [&] {
      if (!c) return;
      std::sort(expect_lines.begin(), expect_lines.end());
      for (const auto& l : expect_lines) c->expected += l + "\n";
      expect_lines.clear();
    };
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      if (line.rfind("case:", 0) == 0) {
        finish();
        cases.push_back({path.filename().string(), line.substr(6), {}, {}, {}, false, std::nullopt});
        c = &cases.back();
        in_expect = false;
      } else if (line == "region: grows") {
        c->region_grows = true;
      } else if (line.rfind("blocks:", 0) == 0) {
        BlockRule rule;
        if (std::sscanf(line.c_str(), "blocks: max=%zu solo=%zu", &rule.max_block, &rule.solo_block) != 2)
          throw std::runtime_error("bad blocks line " + line);
        c->blocks = rule;
      } else if (line == "expect:") {
        in_expect = true;
      } else if (line.rfind("resolve ", 0) == 0) {
        std::istringstream rs(line.substr(8));
        std::string from, arrow, to;
        rs >> from >> arrow >> to;
        c->resolves.emplace_back(from, to);
      } else if (in_expect) {
        expect_lines.push_back(line);
      } else {
        c->records.push_back(ParseRecord(line));
      }
    }
    finish();
  }
  return cases;
}

// Runs the records in `order` through a fresh store and renders the clusters.
// With `region` false every re-partition walks the whole component.
std::string RunCase(const Case& c, const std::vector<std::size_t>& order, std::string* resolve_text, bool region = true,
                    Resolver::ShapeCounts* counts = nullptr) {
  testing::TempDir dir;
  Sealer sealer(TestKey(), true);
  store::StoreOptions opts;
  opts.path = dir.str();
  auto st = store::Store::Open(opts, sealer);
  EXPECT_TRUE(st.ok()) << st.status().message();
  Resolver::Options options = TestOptions();
  options.region_reclustering = region;
  if (c.blocks) options.blocks = *c.blocks;
  Resolver resolver(**st, TestPolicy(), TestKey(), options);
  profile::ProfileWriter profiles(**st);

  std::map<std::string, std::string> node_names, id_names;
  for (const auto& cr : c.records) {
    if (cr.decision) continue;
    Record derived = cr.record;
    DeriveKeys(TestKey(), derived);
    id_names[ProfileIdForRecord(cr.record.record_key)] = cr.name;
    for (std::size_t k = 0; k < derived.derived.node_keys.size(); ++k) {
      const auto& key = derived.derived.node_keys[k];
      const auto& id = derived.identifiers[derived.derived.node_ids[k]];
      // An attribute node is named after the first record that carries it.
      const std::string name = id.type == kAttrsType ? "attrs(" + cr.name + ")" : id.type + ":" + id.value;
      if (node_names.count(key)) continue;
      node_names[key] = name;
      id_names[ProfileIdForNode(key)] = "node(" + name + ")";
    }
  }
  for (std::size_t i : order) {
    store::Batch batch(**st);
    Record record = c.records[i].record;
    Result<Plan> plan = Status::Internal("unset");
    if (c.records[i].decision) {
      const auto& [a, b] = *c.records[i].decision;
      plan = resolver.PlanDecision(MakeNodeKey(TestKey(), a.type, a.value), MakeNodeKey(TestKey(), b.type, b.value),
                                   c.records[i].merge, 1, "case");
    } else {
      DeriveKeys(TestKey(), record);
      plan = resolver.PlanAdd(record);
    }
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    if (!plan.ok()) continue;
    const Record* rec = c.records[i].decision ? nullptr : &record;
    EXPECT_TRUE(profiles.Prepare(rec, *plan).ok());
    auto resolved = resolver.Apply(std::move(*plan), batch);
    profiles.Apply(rec, resolved, batch);
    resolver.Flush(batch);
    profiles.Flush(batch);
    EXPECT_TRUE(batch.Commit(false).ok());
    resolver.Commit();
    profiles.Commit();
  }
  if (counts) *counts = resolver.shape_counts();

  store::ReadView view(**st);
  std::vector<std::string> lines;
  std::set<std::string> seen_nodes;
  auto s = view.Scan(store::Cf::kClusters, "", [&](std::string_view, std::string_view value) {
    Cluster cl;
    EXPECT_TRUE(Cluster::Decode(value, cl));
    std::vector<std::string> names;
    for (const auto& n : cl.nodes) {
      names.push_back(node_names.at(n));
      EXPECT_TRUE(seen_nodes.insert(n).second) << "node in two profiles";
    }
    std::sort(names.begin(), names.end());
    std::string line = id_names.count(cl.id) ? id_names[cl.id] : "?" + cl.id;
    line += ":";
    for (const auto& n : names) line += " " + n;
    lines.push_back(line);
    return true;
  });
  EXPECT_TRUE(s.ok());
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";

  // Every record's id resolves to the profile that holds it now.
  resolve_text->clear();
  for (const auto& [from, to] : c.resolves) {
    const std::string id = ProfileIdForRecord("case:" + from);
    auto origin = view.Get(store::Cf::kIdOrigins, id);
    std::string got = "unresolved";
    if (origin.ok() && origin->has_value()) {
      SigInfo sig;
      auto sv = view.Get(store::Cf::kSigs, (**origin).substr(1));
      if (sv.ok() && sv->has_value() && SigInfo::Decode(**sv, sig)) {
        auto pid = view.Get(store::Cf::kNodeProfile, AnchorOf(sig, TestPolicy()));
        if (pid.ok() && pid->has_value()) got = id_names.count(**pid) ? id_names[**pid] : **pid;
      }
    }
    *resolve_text += from + " -> " + got + "\n";
  }
  return out;
}

std::vector<std::vector<std::size_t>> Orders(std::size_t n) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::vector<std::size_t>> out;
  if (n <= 4) {
    do out.push_back(order);
    while (std::next_permutation(order.begin(), order.end()));
    return out;
  }
  std::mt19937 rng(20261122);
  out.push_back(order);
  std::reverse(order.begin(), order.end());
  out.push_back(order);
  for (int i = 0; i < 24; ++i) {
    std::shuffle(order.begin(), order.end(), rng);
    out.push_back(order);
  }
  return out;
}

// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.file << ": " << c.title; }

class IdentityCase : public ::testing::TestWithParam<Case> {};

TEST_P(IdentityCase, SameProfilesInEveryOrder) {
  const Case& c = GetParam();
  std::string expected_resolves;
  for (const auto& [from, to] : c.resolves) expected_resolves += from + " -> " + to + "\n";
  uint64_t grown = 0;
  std::size_t runs = 0;
  for (const auto& order : Orders(c.records.size())) {
    std::string order_text;
    for (auto i : order) order_text += c.records[i].name + " ";
    std::string resolves;
    Resolver::ShapeCounts counts;
    EXPECT_EQ(RunCase(c, order, &resolves, true, &counts), c.expected) << c.file << ": " << c.title << "\norder: " << order_text;
    EXPECT_EQ(resolves, expected_resolves) << c.file << ": " << c.title << "\norder: " << order_text;
    grown += counts.region_rounds - counts.regions;
    // The same with every re-partition done on the whole component (in the
    // first orders: the region runs above already cover every order).
    if (++runs <= 8) {
      EXPECT_EQ(RunCase(c, order, &resolves, false), c.expected) << c.file << ": " << c.title << " (whole components)\norder: " << order_text;
    }
    if (HasFailure()) break;
  }
  if (c.region_grows) {
    EXPECT_GT(grown, 0u) << c.file << ": " << c.title << ": no region grew into its ring";
  }
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.file.substr(0, info.param.file.find('.')) + "_" + std::to_string(info.index);
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, IdentityCase, ::testing::ValuesIn(LoadCases()), CaseName);

}  // namespace
}  // namespace seam::identity
