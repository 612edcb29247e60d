// Blocking: the cheap keys that decide which records are compared at all.
// Candidate pairs come only from records that share a key, never from all
// pairs. Keys are typed strings ("dob:1990-01-02", "ln1pc:k|06236"); the
// server HMACs them and indexes them in RocksDB, so keys must be exact-match
// values (no sorted neighbourhood over hashed keys).
//
// The block-size rule the server applies (and the offline evaluation
// measures): a key whose block holds more than kMaxBlockSize entities does
// not draw candidates. Such a key (a birth date shared by half a city, 김 + a
// big apartment complex's postal code) carries little evidence and would make
// every new record cost ever more comparisons as the base grows; the other
// keys of the record still draw its candidates, and a coarse key has a finer
// one behind it (dob, then dobi: birth date + an initial) that takes over
// once the coarse block is past the cap. The cap is what keeps the work per
// record flat from 10^5 to 10^6 records. docs/matching.md lists the recall
// this costs per dataset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "identity/match_model.h"
#include "identity/person.h"

namespace seam::identity {

inline constexpr std::size_t kMaxBlockSize = 50;

// A family of blocking keys: the key prefix before ':' and the fields EM must
// not estimate from the pairs the family draws — those the key is built from
// (they agree there by construction) and those nested with them (records
// sharing a postal code share city and street far more often than random
// pairs do, so random-pair u would read a shared apartment complex as a
// match).
struct BlockingFamily {
  std::string_view name;
  std::vector<MatchField> fields;
  std::string_view description;
};

// Every family this build can produce, and the ones used by default.
const std::vector<BlockingFamily>& AllBlockingFamilies();
const std::vector<std::string_view>& DefaultBlockingFamilies();
// nullptr for an unknown name.
const BlockingFamily* FindBlockingFamily(std::string_view name);

// The keys of the default families, sorted and unique.
std::vector<std::string> BlockingKeys(const PersonAttributes& person);
// The keys of the named families only (for measuring a family's recall).
std::vector<std::string> BlockingKeys(const PersonAttributes& person, std::span<const std::string_view> families);
std::vector<std::string> BlockingKeys(const PreparedPerson& person, std::span<const std::string_view> families);

// The family name of a key ("dob" for "dob:1990-01-02").
std::string_view KeyFamily(std::string_view key);

// The batch form of candidate generation (training, offline evaluation):
// every pair of records (indexes into `keys`, first < second) sharing a key
// whose block holds at most `max_block_size` records, sorted and unique.
// With `only_family` set, only keys of that family count.
struct CandidateStats {
  std::size_t blocks = 0;            // distinct keys with two or more records
  std::size_t blocks_over_cap = 0;   // of those, skipped for size
};
std::vector<std::pair<uint32_t, uint32_t>> CandidatePairs(const std::vector<std::vector<std::string>>& keys,
                                                          std::size_t max_block_size,
                                                          std::string_view only_family = {},
                                                          CandidateStats* stats = nullptr);

}  // namespace seam::identity
