// Blocking keys: which records get compared at all.
#include "identity/blocking.h"
#include "seam/config.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "identity/person.h"
#include "seam/normalize.h"

namespace seam::identity {
namespace {

PersonAttributes Person(std::string name, std::string birth, std::string postal = "",
                        std::vector<std::string> phones = {}, std::vector<std::string> emails = {}) {
  static const Normalizer kr("KR");
  RawPerson raw;
  raw.name = std::move(name);
  raw.birth_date = std::move(birth);
  raw.postal_code = std::move(postal);
  raw.phones = std::move(phones);
  raw.emails = std::move(emails);
  return NormalizePerson(kr, raw);
}

bool ShareKey(const PersonAttributes& a, const PersonAttributes& b) {
  const auto ka = BlockingKeys(a), kb = BlockingKeys(b);
  std::vector<std::string> shared;
  std::set_intersection(ka.begin(), ka.end(), kb.begin(), kb.end(), std::back_inserter(shared));
  return !shared.empty();
}

TEST(Blocking, KeysAreTypedSortedAndUnique) {
  const auto keys = BlockingKeys(Person("김민수", "1990-01-02", "06236", {"010-1234-5678"}, {"minsu@x.com"}));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(std::adjacent_find(keys.begin(), keys.end()), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "dob:1990-01-02"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "ln1pc:김|06236"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "em:minsu"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "ph4y:5678|1990"), keys.end());
  for (const auto& k : keys) EXPECT_NE(FindBlockingFamily(KeyFamily(k)), nullptr) << k;
}

TEST(Blocking, ATypoInOneFieldStillMeetsTheTruePair) {
  const auto base = Person("김민수", "1990-01-02", "06236", {"010-1234-5678"}, {"minsu@x.com"});
  // Birth date mistyped: the name, postal code, phone and e-mail still meet.
  EXPECT_TRUE(ShareKey(base, Person("김민수", "1990-01-20", "06236")));
  // Name mistyped, nothing else but the birth date.
  EXPECT_TRUE(ShareKey(base, Person("김민슈", "1990-01-02")));
  // Phone mistyped: its last four digits differ, but the e-mail meets.
  EXPECT_TRUE(ShareKey(base, Person("", "", "", {"010-1234-5679"}, {"minsu@y.com"})));
  // Nothing in common: never compared.
  EXPECT_FALSE(ShareKey(base, Person("박지영", "1985-07-30", "48058")));
}

TEST(Blocking, OverfullBlocksDrawNoCandidates) {
  std::vector<std::vector<std::string>> keys = {{"dob:1990-01-02"}, {"dob:1990-01-02"}, {"dob:1990-01-02"},
                                                {"dob:1990-01-02", "em:x"}, {"em:x"}};
  CandidateStats stats;
  auto pairs = CandidatePairs(keys, BlockRule::SingleCap(3), {}, &stats);
  EXPECT_EQ(pairs, (std::vector<std::pair<uint32_t, uint32_t>>{{3, 4}}));
  EXPECT_EQ(stats.blocks, 2u);
  EXPECT_EQ(stats.blocks_over_cap, 1u);
  pairs = CandidatePairs(keys, BlockRule::SingleCap(4));
  EXPECT_EQ(pairs.size(), 7u);  // 6 within the birth date, 1 by e-mail
  EXPECT_EQ(CandidatePairs(keys, BlockRule::SingleCap(4), "em").size(), 1u);
}

TEST(Blocking, BlocksPastTheSoloSizeDrawOnlyPairsThatShareASecondKey) {
  // A birth-date block of four, within the cap of 5 but past the solo size
  // of 2: only records 0 and 1, which also share a postal code block, and
  // records 2 and 3, which share an e-mail block of two, are drawn.
  std::vector<std::vector<std::string>> keys = {{"dob:1990-01-02", "pc:06236"},
                                                {"dob:1990-01-02", "pc:06236"},
                                                {"dob:1990-01-02", "em:x"},
                                                {"dob:1990-01-02", "em:x"},
                                                {"pc:06236"}};
  const BlockRule rule{5, 2};
  // The postal code block holds three (0, 1, 4): past the solo size too, so
  // 0-4 and 1-4, meeting only there, are not drawn; the e-mail block of two
  // draws 2-3 on its own.
  EXPECT_EQ(CandidatePairs(keys, rule), (std::vector<std::pair<uint32_t, uint32_t>>{{0, 1}, {2, 3}}));
  // With the solo size at the cap every shared block draws.
  EXPECT_EQ(CandidatePairs(keys, BlockRule::SingleCap(5)).size(), 8u);  // 6 by birth date, 0-4, 1-4
  // A block past the cap counts for nothing, not even as a second key.
  EXPECT_EQ(CandidatePairs(keys, BlockRule{3, 2}), (std::vector<std::pair<uint32_t, uint32_t>>{{2, 3}}));
}

TEST(Blocking, TheRuleDrawsOnASmallBlockOrOnTwoWithinTheCap) {
  const BlockRule rule{50, 30};
  BlockRule::Support s;
  rule.Add(s, 51);
  EXPECT_FALSE(BlockRule::Draws(s));  // past the cap: nothing
  rule.Add(s, 40);
  EXPECT_FALSE(BlockRule::Draws(s));  // one block past the solo size
  rule.Add(s, 50);
  EXPECT_TRUE(BlockRule::Draws(s));   // a second within the cap
  BlockRule::Support small;
  rule.Add(small, 30);
  EXPECT_TRUE(BlockRule::Draws(small));
}

// The offline evaluation and training measure the rule kMaxBlockSize and
// kSoloBlockSize describe; a server started with no configuration must apply
// the same one, or the figures in docs/matching.md are of another rule.
TEST(Blocking, TheServersDefaultRuleIsTheOneMeasuredOffline) {
  auto config = LoadConfig({});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(static_cast<std::size_t>(config->max_block_size), kMaxBlockSize);
  EXPECT_EQ(static_cast<std::size_t>(config->solo_block_size), kSoloBlockSize);
  const BlockRule rule;
  EXPECT_EQ(rule.max_block, kMaxBlockSize);
  EXPECT_EQ(rule.solo_block, kSoloBlockSize);
}

}  // namespace
}  // namespace seam::identity
