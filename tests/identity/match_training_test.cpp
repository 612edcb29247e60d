// EM on generated people: the estimates move towards the values the data
// was generated with, and training is a pure function of its input.
#include "identity/match_training.h"

#include <gtest/gtest.h>

#include <random>

#include "identity/person.h"
#include "seam/normalize.h"

namespace seam::identity {
namespace {

struct Generated {
  std::vector<PersonAttributes> records;
  std::vector<int> person;
};

std::string Typo(std::string s, std::mt19937& rng) {
  if (s.size() < 2) return s + "x";
  std::uniform_int_distribution<std::size_t> at(1, s.size() - 1);
  s[at(rng)] = static_cast<char>('a' + rng() % 26);
  return s;
}

// `people` people with 1-3 records each. In a duplicate the given name has a
// typo with probability `given_typo` and the birth date is another one with
// probability `birth_wrong`.
Generated Generate(int people, double given_typo, double birth_wrong, uint32_t seed) {
  static const char* kFirst[] = {"oliver", "amelia", "harry", "isla", "jack", "ava", "george", "emily", "noah",
                                 "sophia", "charlie", "grace", "jacob", "lily", "alfie", "freya", "oscar", "ella",
                                 "james", "evie", "william", "chloe", "thomas", "mia", "leo", "ruby", "joshua"};
  static const char* kLast[] = {"smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies",
                                "robinson", "wright", "thompson", "evans", "walker", "white", "roberts", "green",
                                "hall", "wood", "jackson", "clarke", "patel", "khan", "lewis", "harris", "martin"};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> coin(0, 1);
  const Normalizer gb("GB");
  Generated g;
  auto date = [&] {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", 1940 + static_cast<int>(rng() % 60), 1 + static_cast<int>(rng() % 12),
                  1 + static_cast<int>(rng() % 28));
    return std::string(buf);
  };
  for (int p = 0; p < people; ++p) {
    RawPerson base;
    base.first_name = kFirst[rng() % std::size(kFirst)];
    base.last_name = kLast[rng() % std::size(kLast)];
    base.birth_date = date();
    base.postal_code = "e" + std::to_string(rng() % 400);
    const int copies = 1 + static_cast<int>(rng() % 3);
    for (int c = 0; c < copies; ++c) {
      RawPerson r = base;
      if (c > 0 && coin(rng) < given_typo) r.first_name = Typo(r.first_name, rng);
      if (c > 0 && coin(rng) < birth_wrong) r.birth_date = date();
      g.records.push_back(NormalizePerson(gb, r));
      g.person.push_back(p);
    }
  }
  return g;
}

double M(const MatchModel& m, MatchField f, int level) {
  return m.fields[static_cast<std::size_t>(f)].levels[static_cast<std::size_t>(level)].m;
}

TEST(MatchTraining, EmMovesEstimatesTowardsTheGeneratingValues) {
  // Duplicates keep their given name 60% of the time and their birth date
  // 95% of the time; the start model believes 20% and 40%.
  const Generated data = Generate(3000, 0.4, 0.05, 7);
  MatchModel start = MatchModel::Default();
  auto set_exact = [&](MatchField f, double m_exact) {
    auto& levels = start.fields[static_cast<std::size_t>(f)].levels;
    const double rest = (1.0 - m_exact) / static_cast<double>(levels.size() - 1);
    levels[0].m = m_exact;
    for (std::size_t l = 1; l < levels.size(); ++l) levels[l].m = rest;
  };
  set_exact(MatchField::kFirstName, 0.2);
  set_exact(MatchField::kBirthDate, 0.4);
  TrainOptions options;
  options.u_sample_pairs = 300'000;
  const MatchModel trained = Train(data.records, start, options);

  // Among true duplicate pairs, the given name agrees exactly 60%+ of the
  // time (both copies may keep it) and the birth date 90%+.
  EXPECT_GT(M(trained, MatchField::kFirstName, 0), 0.45);
  EXPECT_LT(M(trained, MatchField::kFirstName, 0), 0.9);
  EXPECT_GT(M(trained, MatchField::kBirthDate, 0), 0.8);
  // u of an exact birth date: about one in 60 * 12 * 28 random pairs.
  const double u_birth = trained.fields[static_cast<std::size_t>(MatchField::kBirthDate)].levels[0].u;
  EXPECT_GT(u_birth, 1.0 / 60 / 12 / 28 / 3);
  EXPECT_LT(u_birth, 3.0 / 60 / 12 / 28);
  // λ: duplicates are about one pair per person among n^2/2 pairs.
  const double n = static_cast<double>(data.records.size());
  EXPECT_GT(trained.prior, 0.3 * 3000 / (n * n / 2));
  EXPECT_LT(trained.prior, 3.0 * 3000 / (n * n / 2));
}

TEST(MatchTraining, BuildsTermFrequencyTables) {
  const Generated data = Generate(500, 0.1, 0.1, 3);
  TrainOptions options;
  options.u_sample_pairs = 50'000;
  const MatchModel trained = Train(data.records, MatchModel::Default(), options);
  const auto& tf = trained.fields[static_cast<std::size_t>(MatchField::kLastName)].tf;
  std::size_t smiths = 0;
  for (const auto& r : data.records) smiths += r.last_name == "smith";
  ASSERT_TRUE(tf.contains("smith"));
  EXPECT_DOUBLE_EQ(tf.at("smith"), static_cast<double>(smiths) / static_cast<double>(data.records.size()));
  // The built-in Korean surname table gives way to the data's.
  EXPECT_FALSE(tf.contains("김"));
}

TEST(MatchTraining, IsAPureFunctionOfItsInput) {
  const Generated data = Generate(400, 0.2, 0.1, 11);
  TrainOptions options;
  options.u_sample_pairs = 20'000;
  const MatchModel a = Train(data.records, MatchModel::Default(), options);
  const MatchModel b = Train(data.records, MatchModel::Default(), options);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.version, b.version);
  EXPECT_NE(a.version, MatchModel::Default().version);
  EXPECT_EQ(a.version, a.ContentVersion());
  auto back = MatchModel::FromJson(a.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, a);
}

}  // namespace
}  // namespace seam::identity
