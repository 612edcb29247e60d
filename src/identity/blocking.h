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
inline constexpr std::size_t kSoloBlockSize = 30;

// Which pairs the blocks draw. A block of at most `solo_block` entities
// draws its pairs on its own. A larger one, up to `max_block`, draws a pair
// only together with a second shared block within `max_block`: as the base
// grows, blocks fill towards the cap and a record met in a single full block
// (the same birth date, nothing else) is rarely the same person, while one
// sharing two keys usually is. Without this the candidates per record grew
// with the base even under the cap (17 at 10^5 records, 45 at 10^6).
// A function of the blocks' sizes only, which only grow as records arrive:
// a pair drawn under the final sizes was drawn when its later record came,
// so the set of valid pairs does not depend on arrival order.
struct BlockRule {
  std::size_t max_block = kMaxBlockSize;
  std::size_t solo_block = kSoloBlockSize;

  // What two records share, block by block.
  struct Support {
    uint32_t usable = 0;  // shared blocks within max_block
    bool solo = false;    // one of them within solo_block
  };
  void Add(Support& s, uint64_t block_size) const {
    if (block_size > max_block) return;
    s.usable += 1;
    if (block_size <= solo_block) s.solo = true;
  }
  static bool Draws(const Support& s) { return s.solo || s.usable >= 2; }
  // The rule before the solo tier: any shared block within the cap draws.
  static BlockRule SingleCap(std::size_t max) { return BlockRule{max, max}; }
};

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
// every pair of records (indexes into `keys`, first < second) that `rule`
// draws from the blocks they share, sorted and unique.
// With `only_family` set, only keys of that family count.
struct CandidateStats {
  std::size_t blocks = 0;            // distinct keys with two or more records
  std::size_t blocks_over_cap = 0;   // of those, skipped for size
};
std::vector<std::pair<uint32_t, uint32_t>> CandidatePairs(const std::vector<std::vector<std::string>>& keys,
                                                          const BlockRule& rule,
                                                          std::string_view only_family = {},
                                                          CandidateStats* stats = nullptr);

}  // namespace seam::identity
