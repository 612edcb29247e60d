// Korean reference tables (surnames, given names by birth decade, regions,
// roads, apartment brands) and the Hangul helpers the generator needs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "rng.h"

namespace seam::synth {

struct Surname {
  const char* hangul;
  const char* roman;    // as Koreans usually write it in emails: "kim", "lee", "park"
  uint32_t per_100k;    // share of the population, Statistics Korea census 2015 (rounded)
};
// Weights sum to 100,000. The census's long tail (over 5,000 surnames) is
// folded into the listed ones.
std::span<const Surname> Surnames();

// A given name for a person of that birth year and gender ('M'/'F'): a
// popular name of the decade 15% of the time (so that full names
// collide at realistic rates), otherwise two syllables of the era's pools.
std::string DrawGivenName(Rng& rng, int birth_year, char gender);
// A second given name for a sibling: differs from `sibling`'s, and half the
// time shares its first syllable (돌림자).
std::string DrawSiblingName(Rng& rng, int birth_year, char gender, std::string_view sibling);

struct Region {
  const char* sido;
  const char* sido_short;
  uint32_t weight;          // population, per mille (2020)
  int postal_lo;            // first two digits of its postal codes, inclusive range
  int postal_hi;
  std::span<const char* const> sigungu;
};
std::span<const Region> Regions();
std::span<const char* const> RoadNames();
std::span<const char* const> ApartmentBrands();
std::span<const char* const> ComplexSuffixes();

// Revised Romanization syllable by syllable, lower case, no separators:
// "민준" -> "minjun". Non-Hangul bytes pass through lower-cased.
std::string Romanize(std::string_view utf8);

// One plausible typing/hearing slip in a Hangul word: a vowel or final
// consonant of one syllable swapped for a similar one ("민준" -> "민중").
// Returns the input unchanged when it holds no Hangul syllable.
std::string HangulTypo(Rng& rng, std::string_view utf8);

}  // namespace seam::synth
