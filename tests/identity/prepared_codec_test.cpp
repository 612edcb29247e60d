// The stored prepared form is what a match candidate is compared from after
// a restart or a cache miss: it must give back exactly what Prepare gives,
// refuse damaged bytes, and be ignored when this build prepares differently.
#include "identity/prepared_codec.h"

#include <gtest/gtest.h>

#include <functional>

#include "identity/graph.h"
#include "identity/person.h"
#include "seam/normalize.h"

namespace seam::identity {
namespace {

PersonAttributes Person(const std::string& region, const std::function<void(RawPerson&)>& fill) {
  const Normalizer normalizer(region);
  RawPerson raw;
  fill(raw);
  return NormalizePerson(normalizer, raw);
}

std::vector<PersonAttributes> People() {
  std::vector<PersonAttributes> out;
  out.push_back(Person("KR", [](RawPerson& r) {
    r.name = "김민수";
    r.birth_date = "1990-01-02";
    r.gender = "남";
    r.postal_code = "06236";
    r.address = "서울 강남구 테헤란로 152, 101동 1203호";
    r.city = "서울";
    r.phones = {"010-1234-5678", "02-123-4567"};
    r.emails = {"Minsu.Kim@Example.co.kr"};
  }));
  out.push_back(Person("KR", [](RawPerson& r) {
    r.name = "남궁민";
    r.birth_date = "1985-12-31";
  }));
  out.push_back(Person("KR", [](RawPerson& r) {
    r.first_name = "Minsoo";
    r.last_name = "Choi";
    r.phones = {"+82 10 9876 5432"};
  }));
  out.push_back(Person("US", [](RawPerson& r) {
    r.first_name = "Bob";
    r.last_name = "O'Neil Jr";
    r.birth_date = "1961-07-04";
    r.postal_code = "94103-1234";
    r.address = "12 St. Mary's Road, Flat 3";
    r.city = "München";
    r.phones = {"(415) 555-0123", "+39 06 1234 5678"};
  }));
  out.push_back(Person("CN", [](RawPerson& r) { r.name = "王杰"; }));
  out.push_back(Person("KR", [](RawPerson&) {}));
  return out;
}

TEST(PreparedCodec, GivesBackExactlyWhatPrepareGives) {
  bool jamo = false, nicknames = false, suffix = false, national = false, tokens = false, latin_of_hangul = false;
  for (const auto& person : People()) {
    const PreparedPerson prepared = Prepare(person);
    PreparedPerson decoded;
    ASSERT_TRUE(DecodePrepared(EncodePrepared(prepared), decoded)) << person.full_name;
    EXPECT_EQ(decoded, prepared) << person.full_name;
    EXPECT_EQ(EncodePrepared(decoded), EncodePrepared(prepared));
    jamo |= !prepared.last.jamo.empty();
    nicknames |= !prepared.first.nickname_groups.empty();
    suffix |= !prepared.suffix.empty();
    national |= !prepared.phone_national.empty();
    tokens |= prepared.address_tokens.size() > 1;
    latin_of_hangul |= prepared.first.hangul && !prepared.first.latin.empty();
  }
  // The people above reach every kind of field, or the check says little.
  EXPECT_TRUE(jamo && nicknames && suffix && national && tokens && latin_of_hangul);
}

TEST(PreparedCodec, RefusesTruncatedOrExtendedBytes) {
  const std::string bytes = EncodePrepared(Prepare(People()[0]));
  PreparedPerson out;
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(DecodePrepared(bytes.substr(0, n), out)) << n;
  EXPECT_FALSE(DecodePrepared(bytes + '\0', out));
  std::string other_format = bytes;
  other_format[0] = static_cast<char>(other_format[0] + 1);
  EXPECT_FALSE(DecodePrepared(other_format, out));
}

TEST(PreparedCodec, AttrsEntriesWrittenBeforeThePreparedFormStillRead) {
  const std::string person = EncodePerson(People()[0]);
  AttrsEntry legacy;
  ASSERT_TRUE(AttrsEntry::Decode(person, legacy));
  EXPECT_EQ(legacy.encoded, person);
  EXPECT_TRUE(legacy.prepared.empty());
  EXPECT_TRUE(legacy.blocks.empty());

  const AttrsEntry entry{person, EncodePrepared(Prepare(People()[0])), PrepareFingerprint(), {"b1", "b2"}};
  AttrsEntry back;
  ASSERT_TRUE(AttrsEntry::Decode(entry.Encode(), back));
  EXPECT_EQ(back.encoded, entry.encoded);
  EXPECT_EQ(back.prepared, entry.prepared);
  EXPECT_EQ(back.fingerprint, entry.fingerprint);
  EXPECT_EQ(back.blocks, entry.blocks);
  const std::string encoded = entry.Encode();
  EXPECT_FALSE(AttrsEntry::Decode(encoded.substr(0, encoded.size() - 1), back));
}

TEST(PreparedCodec, TheStoredFormIsUsedOnlyWhenThisBuildPreparesTheSame) {
  const PersonAttributes minsu = People()[0], bob = People()[3];
  // Another person's prepared form stored under minsu's attributes shows
  // which of the two the reader used.
  AttrsEntry entry{EncodePerson(minsu), EncodePrepared(Prepare(bob)), PrepareFingerprint(), {}};
  auto used = PreparedOf(entry);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, Prepare(bob)) << "a current stored form is read, not prepared again";

  entry.fingerprint = "oldbuild";
  used = PreparedOf(entry);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, Prepare(minsu)) << "another build's form is prepared again from the attributes";

  entry.fingerprint = PrepareFingerprint();
  entry.prepared = "\x01garbage";
  used = PreparedOf(entry);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, Prepare(minsu));

  entry.prepared.clear();
  used = PreparedOf(entry);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, Prepare(minsu));

  entry.encoded = "not a person";
  EXPECT_FALSE(PreparedOf(entry).ok());
}

}  // namespace
}  // namespace seam::identity
