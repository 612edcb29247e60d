// The pure clustering core, without a store: order of the input never
// matters, and the canonical admission order decides limit conflicts.
#include "identity/clusterer.h"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>

namespace seam::identity {
namespace {

Key256 K() {
  Key256 k{};
  k.fill(7);
  return k;
}

LinkPolicy Policy() {
  LinkPolicy p;
  p.types = {{"user_id", {1, 1}}, {"email", {2, 3}}, {"anonymous_id", {0, 7}}};
  return p;
}

ComponentSig Sig(std::vector<std::pair<std::string, std::string>> ids, Micros at, std::string record,
                 bool alias = false) {
  ComponentSig s;
  for (auto& [t, v] : ids) s.info.nodes.push_back(MakeNodeKey(K(), t, v));
  std::sort(s.info.nodes.begin(), s.info.nodes.end());
  s.info.alias = alias;
  s.info.earliest_at = at;
  s.info.earliest_record = std::move(record);
  s.id = MakeSigId(s.info.nodes, alias);
  return s;
}

std::string Render(const Partition& p) {
  std::string out;
  for (const auto& c : p.clusters) {
    out += c.id + ":";
    for (const auto& n : c.nodes) out += " " + Hex(n).substr(0, 8);
    out += " |";
    for (const auto& s : c.sigs) out += " " + Hex(s).substr(0, 8);
    out += "\n";
  }
  for (const auto& r : p.refused) out += "refused " + Hex(r.detached).substr(0, 8) + " " + r.reason + "\n";
  return out;
}

TEST(Clusterer, PartitionIsIndependentOfInputOrder) {
  std::vector<ComponentSig> sigs = {
      Sig({{"user_id", "u1"}, {"email", "a"}}, 10, "r1"),
      Sig({{"user_id", "u2"}, {"email", "a"}}, 20, "r2"),
      Sig({{"anonymous_id", "x"}, {"email", "a"}}, 5, "r3"),
      Sig({{"anonymous_id", "x"}, {"user_id", "u2"}}, 30, "r4"),
      Sig({{"user_id", "u3"}, {"user_id", "u1"}}, 40, "r5", /*alias=*/true),
      Sig({{"email", "b"}, {"email", "c"}, {"user_id", "u3"}}, 50, "r6"),
  };
  const std::string expected = Render(ClusterComponent(sigs, Policy()));
  std::mt19937 rng(1);
  for (int i = 0; i < 50; ++i) {
    std::shuffle(sigs.begin(), sigs.end(), rng);
    ASSERT_EQ(Render(ClusterComponent(sigs, Policy())), expected);
  }
}

TEST(Clusterer, EarliestRecordNamesTheProfile) {
  auto p = ClusterComponent({Sig({{"anonymous_id", "x"}}, 300, "late"), Sig({{"anonymous_id", "x"}, {"email", "a"}}, 100, "early")},
                            Policy());
  ASSERT_EQ(p.clusters.size(), 1u);
  EXPECT_EQ(p.clusters[0].id, ProfileIdForRecord("early"));
  EXPECT_EQ(p.clusters[0].sigs.size(), 2u);
}

TEST(Clusterer, LimitRefusesTheLinkAndReportsIt) {
  auto p = ClusterComponent({Sig({{"user_id", "u1"}, {"email", "a"}}, 1, "r1"), Sig({{"user_id", "u2"}, {"email", "a"}}, 2, "r2")},
                            Policy());
  ASSERT_EQ(p.clusters.size(), 2u);
  ASSERT_EQ(p.refused.size(), 1u);
  EXPECT_EQ(p.refused[0].reason, "limit user_id=1");
  EXPECT_EQ(p.refused[0].detached, MakeNodeKey(K(), "email", "a"));
  // Each record lands with its anchor, the user id.
  for (const auto& c : p.clusters) EXPECT_EQ(c.sigs.size(), 1u);
}

TEST(Clusterer, AliasIsExemptFromLimitsAndDoesNotBlockLaterLinks) {
  auto p = ClusterComponent({Sig({{"user_id", "old"}, {"user_id", "new"}, {"anonymous_id", "old"}}, 3, "a", true),
                             Sig({{"user_id", "old"}, {"email", "e"}}, 1, "r1")},
                            Policy());
  ASSERT_EQ(p.clusters.size(), 1u);
  EXPECT_TRUE(p.refused.empty());
  EXPECT_EQ(p.clusters[0].nodes.size(), 4u);
}

TEST(Clusterer, AnchorIsTheHighestPriorityIdentifier) {
  auto s = Sig({{"anonymous_id", "x"}, {"email", "e"}, {"user_id", "u"}}, 1, "r");
  EXPECT_EQ(AnchorOf(s.info, Policy()), MakeNodeKey(K(), "user_id", "u"));
}

}  // namespace
}  // namespace seam::identity
