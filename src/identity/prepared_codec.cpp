#include "identity/prepared_codec.h"

#include "seam/crypto.h"
#include "store/codec.h"

namespace seam::identity {
namespace {

constexpr uint8_t kFormat = 1;

void PutCodePoints(store::Encoder& e, const std::u32string& s) {
  e.U64(s.size());
  for (char32_t c : s) e.U64(c);
}

bool GetCodePoints(store::Decoder& d, std::u32string& s) {
  uint64_t n = 0;
  if (!d.Count(n)) return false;
  s.resize(n);
  for (auto& c : s) {
    uint32_t v = 0;
    if (!d.U32(v)) return false;
    c = static_cast<char32_t>(v);
  }
  return true;
}

void PutName(store::Encoder& e, const PreparedName& n) {
  e.Bytes(n.text);
  e.Bytes(n.latin);
  e.Bytes(n.loose);
  e.Bytes(n.key);
  PutCodePoints(e, n.jamo);
  PutCodePoints(e, n.code_points);
  e.U64(n.nickname_groups.size());
  for (int g : n.nickname_groups) e.I64(g);
  e.Byte(n.hangul ? 1 : 0);
}

bool GetName(store::Decoder& d, PreparedName& n) {
  d.Bytes(n.text);
  d.Bytes(n.latin);
  d.Bytes(n.loose);
  d.Bytes(n.key);
  if (!GetCodePoints(d, n.jamo) || !GetCodePoints(d, n.code_points)) return false;
  uint64_t groups = 0;
  if (!d.Count(groups)) return false;
  n.nickname_groups.resize(groups);
  for (int& g : n.nickname_groups) {
    int64_t v = 0;
    if (!d.I64(v) || v < INT32_MIN || v > INT32_MAX) return false;
    g = static_cast<int>(v);
  }
  uint8_t hangul = 0;
  if (!d.Byte(hangul) || hangul > 1) return false;
  n.hangul = hangul == 1;
  return true;
}

// Persons that reach every branch of Prepare: Hangul names (a compound
// surname among them), romanised ones, a suffix, a nickname, a whole name in
// a script without spaces, address words, a Hangul city, phones of two
// countries and an e-mail.
std::vector<PersonAttributes> Probes() {
  std::vector<PersonAttributes> probes(4);
  probes[0].first_name = "민수";
  probes[0].last_name = "김";
  probes[0].full_name = "김민수";
  probes[0].birth_date = "1990-01-02";
  probes[0].gender = "m";
  probes[0].postal_code = "06236";
  probes[0].address = "서울 강남구 테헤란로 152 101동 1203호";
  probes[0].city = "서울";
  probes[0].phones = {"+821012345678", "+82212345678"};
  probes[0].emails = {"minsu.kim@example.co.kr"};
  probes[1].first_name = "robert";
  probes[1].last_name = "o'neil jr";
  probes[1].city = "münchen";
  probes[1].address = "12 st. mary's road flat 3";
  probes[1].phones = {"+14155550123", "+390612345678"};
  probes[2].first_name = "王杰";
  probes[3].first_name = "bob";
  probes[3].last_name = "남궁";
  probes[3].full_name = "minsoo choi";
  return probes;
}

}  // namespace

std::string EncodePrepared(const PreparedPerson& p) {
  store::Encoder e;
  e.Byte(kFormat);
  PutName(e, p.first);
  PutName(e, p.last);
  e.Bytes(p.suffix);
  e.Bytes(p.birth_date);
  e.Bytes(p.gender);
  e.Bytes(p.postal_code);
  e.Strings(p.address_tokens);
  e.Bytes(p.address_key);
  e.Bytes(p.city);
  e.Strings(p.phones);
  e.Strings(p.phone_national);
  e.Strings(p.emails);
  return e.Take();
}

bool DecodePrepared(std::string_view bytes, PreparedPerson& p) {
  store::Decoder d(bytes);
  uint8_t format = 0;
  if (!d.Byte(format) || format != kFormat) return false;
  if (!GetName(d, p.first) || !GetName(d, p.last)) return false;
  d.Bytes(p.suffix);
  d.Bytes(p.birth_date);
  d.Bytes(p.gender);
  d.Bytes(p.postal_code);
  if (!d.Strings(p.address_tokens)) return false;
  d.Bytes(p.address_key);
  d.Bytes(p.city);
  if (!d.Strings(p.phones) || !d.Strings(p.phone_national) || !d.Strings(p.emails)) return false;
  return d.done();
}

const std::string& PrepareFingerprint() {
  static const std::string fingerprint = [] {
    std::string all;
    for (const auto& probe : Probes()) {
      const std::string one = EncodePrepared(Prepare(probe));
      all += std::to_string(one.size()) + ":" + one;
    }
    return Sha256(all).substr(0, 8);
  }();
  return fingerprint;
}

Result<PreparedPerson> PrepareEncoded(std::string_view encoded_person) {
  auto person = DecodePerson(encoded_person);
  if (!person.ok()) return person.status();
  return Prepare(*person);
}

Result<PreparedPerson> PreparedOf(const AttrsEntry& entry) {
  PreparedPerson prepared;
  if (!entry.prepared.empty() && entry.fingerprint == PrepareFingerprint() && DecodePrepared(entry.prepared, prepared))
    return prepared;
  return PrepareEncoded(entry.encoded);
}

}  // namespace seam::identity
