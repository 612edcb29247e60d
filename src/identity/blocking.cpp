#include "identity/blocking.h"

#include <algorithm>

#include "identity/similarity.h"

namespace seam::identity {
namespace {

using F = MatchField;

std::string FirstCodePoint(std::string_view s) {
  const std::u32string cps = ToCodePoints(s);
  return cps.empty() ? std::string() : ToUtf8(std::u32string_view(cps).substr(0, 1));
}

std::string Prefix(std::string_view s, std::size_t code_points) {
  std::u32string cps = ToCodePoints(s);
  std::erase(cps, U' ');
  return ToUtf8(std::u32string_view(cps).substr(0, std::min(code_points, cps.size())));
}

std::string NoSpaces(std::string s) {
  std::erase(s, ' ');
  return s;
}

std::string_view Year(const std::string& date) { return std::string_view(date).substr(0, 4); }

void Add(std::vector<std::string>& out, std::string_view family, std::string value) {
  if (value.empty()) return;
  std::string key(family);
  key.push_back(':');
  key += value;
  out.push_back(std::move(key));
}

void AddFamily(std::vector<std::string>& out, std::string_view family, const PreparedPerson& p) {
  const std::string first = NoSpaces(p.first.key), last = NoSpaces(p.last.key);
  const bool has_dob = !p.birth_date.empty();
  if (family == "dob") {
    Add(out, family, p.birth_date);
  } else if (family == "dobi") {
    // Either initial, of the loose romanisation so that 민수 and Minsoo agree:
    // a birth date alone gathers a city's worth of people as the base grows.
    if (has_dob) {
      if (!p.first.loose.empty()) Add(out, family, p.birth_date + "|f" + p.first.loose.substr(0, 1));
      if (!p.last.loose.empty()) Add(out, family, p.birth_date + "|l" + p.last.loose.substr(0, 1));
    }
  } else if (family == "ln1pc") {
    if (!last.empty() && !p.postal_code.empty()) Add(out, family, FirstCodePoint(last) + "|" + p.postal_code);
  } else if (family == "fnln") {
    if (!first.empty() && !last.empty()) Add(out, family, std::min(first, last) + "|" + std::max(first, last));
  } else if (family == "fnpc") {
    if (!p.postal_code.empty()) {
      if (!first.empty()) Add(out, family, first + "|" + p.postal_code);
    }
  } else if (family == "lnpc") {
    if (!last.empty() && !p.postal_code.empty()) Add(out, family, last + "|" + p.postal_code);
  } else if (family == "fnyob") {
    if (!first.empty() && has_dob) Add(out, family, first + "|" + std::string(Year(p.birth_date)));
  } else if (family == "lnyob") {
    if (!last.empty() && has_dob) Add(out, family, last + "|" + std::string(Year(p.birth_date)));
  } else if (family == "ymini") {
    if (!first.empty() && !last.empty() && has_dob) {
      const std::string a = FirstCodePoint(first), b = FirstCodePoint(last);
      Add(out, family, p.birth_date.substr(0, 7) + "|" + std::min(a, b) + std::max(a, b));
    }
  } else if (family == "mdini") {
    if (!first.empty() && !last.empty() && has_dob) {
      const std::string a = FirstCodePoint(first), b = FirstCodePoint(last);
      Add(out, family, p.birth_date.substr(5) + "|" + std::min(a, b) + std::max(a, b));
    }
  } else if (family == "fn3ln3") {
    if (!first.empty() && !last.empty()) {
      const std::string a = Prefix(first, 3), b = Prefix(last, 3);
      Add(out, family, std::min(a, b) + "|" + std::max(a, b));
    }
  } else if (family == "lncity") {
    if (!last.empty() && !p.city.empty()) Add(out, family, last + "|" + p.city);
  } else if (family == "fncity") {
    if (!first.empty() && !p.city.empty()) Add(out, family, first + "|" + p.city);
  } else if (family == "addr") {
    Add(out, family, p.address_key);
  } else if (family == "ph") {
    for (const auto& phone : p.phones) Add(out, family, phone);
  } else if (family == "ph4y") {
    if (has_dob)
      for (const auto& phone : p.phones)
        if (phone.size() >= 4) Add(out, family, phone.substr(phone.size() - 4) + "|" + std::string(Year(p.birth_date)));
  } else if (family == "em") {
    for (const auto& email : p.emails) Add(out, family, email.substr(0, email.find('@')));
  }
}

}  // namespace

const std::vector<BlockingFamily>& AllBlockingFamilies() {
  static const std::vector<BlockingFamily> families = {
      {"dob", {F::kBirthDate}, "birth date"},
      {"dobi", {F::kBirthDate}, "birth date + the given or the family name's romanised initial"},
      {"ln1pc", {F::kLastName, F::kPostalCode, F::kAddress, F::kCity}, "family-name initial + postal code"},
      {"fnln", {F::kFirstName, F::kLastName}, "given + family name, either order"},
      {"fnpc", {F::kFirstName, F::kPostalCode, F::kAddress, F::kCity}, "given name + postal code"},
      {"lnpc", {F::kLastName, F::kPostalCode, F::kAddress, F::kCity}, "family name + postal code"},
      {"fnyob", {F::kFirstName, F::kBirthDate}, "given name + birth year"},
      {"lnyob", {F::kLastName, F::kBirthDate}, "family name + birth year"},
      {"ymini", {F::kBirthDate, F::kFirstName, F::kLastName}, "birth year-month + both initials"},
      {"mdini", {F::kBirthDate, F::kFirstName, F::kLastName}, "birth month-day + both initials"},
      {"fn3ln3", {F::kFirstName, F::kLastName}, "first three letters of both names"},
      {"lncity", {F::kLastName, F::kCity, F::kPostalCode, F::kAddress}, "family name + city"},
      {"fncity", {F::kFirstName, F::kCity, F::kPostalCode, F::kAddress}, "given name + city"},
      {"addr", {F::kAddress, F::kPostalCode, F::kCity}, "address words"},
      {"ph", {F::kPhone}, "phone"},
      {"ph4y", {F::kPhone, F::kBirthDate}, "phone last four digits + birth year"},
      {"em", {F::kEmail}, "e-mail local part"},
  };
  return families;
}

const std::vector<std::string_view>& DefaultBlockingFamilies() {
  static const std::vector<std::string_view> families = {"dob", "dobi", "ln1pc", "fn3ln3", "addr", "ph", "ph4y", "em"};
  return families;
}

const BlockingFamily* FindBlockingFamily(std::string_view name) {
  for (const auto& f : AllBlockingFamilies())
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> BlockingKeys(const PreparedPerson& person, std::span<const std::string_view> families) {
  std::vector<std::string> keys;
  for (std::string_view family : families) AddFamily(keys, family, person);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<std::string> BlockingKeys(const PersonAttributes& person, std::span<const std::string_view> families) {
  return BlockingKeys(Prepare(person), families);
}

std::vector<std::string> BlockingKeys(const PersonAttributes& person) {
  return BlockingKeys(person, DefaultBlockingFamilies());
}

std::string_view KeyFamily(std::string_view key) { return key.substr(0, key.find(':')); }

std::vector<std::pair<uint32_t, uint32_t>> CandidatePairs(const std::vector<std::vector<std::string>>& keys,
                                                          const BlockRule& rule, std::string_view only_family,
                                                          CandidateStats* stats) {
  // (key, record) sorted: each run of one key is a block.
  std::vector<std::pair<std::string_view, uint32_t>> postings;
  for (std::size_t r = 0; r < keys.size(); ++r)
    for (const auto& k : keys[r])
      if (only_family.empty() || KeyFamily(k) == only_family) postings.emplace_back(k, static_cast<uint32_t>(r));
  std::sort(postings.begin(), postings.end());
  // One entry per pair and shared block within the cap; the low bit of the
  // first word says the block is within the solo size.
  std::vector<std::pair<uint64_t, uint32_t>> shared;
  CandidateStats local;
  for (std::size_t begin = 0; begin < postings.size();) {
    std::size_t end = begin + 1;
    while (end < postings.size() && postings[end].first == postings[begin].first) ++end;
    const std::size_t size = end - begin;
    if (size >= 2) {
      ++local.blocks;
      if (size > rule.max_block) {
        ++local.blocks_over_cap;
      } else {
        for (std::size_t i = begin; i < end; ++i)
          for (std::size_t j = i + 1; j < end; ++j)
            if (postings[i].second != postings[j].second)
              shared.emplace_back(uint64_t{postings[i].second} << 1 | (size <= rule.solo_block ? 1u : 0u),
                                  postings[j].second);
      }
    }
    begin = end;
  }
  std::sort(shared.begin(), shared.end(), [](const auto& x, const auto& y) {
    return std::make_pair(x.first >> 1, x.second) < std::make_pair(y.first >> 1, y.second);
  });
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (std::size_t begin = 0; begin < shared.size();) {
    const auto a = shared[begin].first >> 1;
    const auto b = shared[begin].second;
    BlockRule::Support support;
    std::size_t end = begin;
    for (; end < shared.size() && shared[end].first >> 1 == a && shared[end].second == b; ++end) {
      support.usable += 1;
      if (shared[end].first & 1u) support.solo = true;
    }
    if (BlockRule::Draws(support)) pairs.emplace_back(static_cast<uint32_t>(a), b);
    begin = end;
  }
  if (stats) *stats = local;
  return pairs;
}

}  // namespace seam::identity
