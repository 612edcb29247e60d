#include "world.h"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <unordered_set>

#include "format.h"
#include "korean.h"
#include "rng.h"

namespace seam::synth {
namespace {

// Share of households in apartment complexes (about 60% in Korea), and how
// many households a complex gets on average before a new one is built.
constexpr double kApartmentShare = 0.6;
constexpr double kNewComplexChance = 1.0 / 60;

// Household sizes 1..5 (Statistics Korea 2020, rounded).
constexpr uint32_t kHouseholdSizeWeights[] = {30, 28, 21, 17, 4};

// Adult ages 20..84 in five-year bands from 20, weighted like a retailer's
// customers (the population, a little younger).
constexpr uint32_t kAdultBandWeights[] = {7, 9, 9, 9, 9, 10, 9, 9, 8, 6, 4, 3, 2};

struct Category {
  const char* name;
  const char* code;
  uint32_t weight;
  uint32_t price_lo, price_hi;
  std::array<const char*, 8> nouns;  // unused slots are null
};
const Category kCategories[] = {
    {"의류", "CL", 16, 19000, 159000, {"티셔츠", "청바지", "니트", "패딩", "셔츠", "원피스", "슬랙스", "후드티"}},
    {"신발", "SH", 8, 39000, 189000, {"운동화", "구두", "샌들", "슬리퍼", "부츠", "스니커즈"}},
    {"뷰티", "BT", 12, 8000, 65000, {"선크림", "립스틱", "토너", "에센스", "쿠션팩트", "클렌징폼"}},
    {"식품", "FD", 20, 2000, 39000, {"생수", "라면", "커피", "햇반", "김치", "견과류", "우유", "과자"}},
    {"생활용품", "LV", 12, 3000, 45000, {"세제", "휴지", "샴푸", "치약", "수건", "칫솔"}},
    {"가전", "EL", 6, 29000, 890000, {"이어폰", "드라이기", "전기포트", "공기청정기", "블렌더", "선풍기"}},
    {"도서", "BK", 6, 9000, 38000, {"소설", "에세이", "자기계발서", "만화책", "요리책"}},
    {"스포츠", "SP", 6, 9000, 250000, {"요가매트", "덤벨", "러닝화", "등산가방", "텐트"}},
    {"유아동", "KD", 6, 5000, 120000, {"기저귀", "물티슈", "장난감", "아동복", "젖병"}},
    {"가구, 인테리어", "HM", 8, 15000, 490000, {"의자", "책상", "조명", "러그", "수납장", "커튼"}},
};
constexpr const char* kAdjectives[] = {"기본", "프리미엄", "데일리", "베이직", "신상",
                                       "인기", "대용량", "미니",   "클래식", "친환경"};
constexpr std::size_t kProducts = 400;

struct EmailDomain {
  const char* domain;
  uint32_t weight;
};
constexpr EmailDomain kDomains[] = {{"naver.com", 40}, {"gmail.com", 30}, {"daum.net", 10},
                                    {"hanmail.net", 7}, {"kakao.com", 6}, {"nate.com", 4},
                                    {"hotmail.com", 3}};

constexpr char kBase62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

struct Complex {
  Address base;  // dong/ho unset
  int dongs = 0;
  int floors = 0;
};

class Builder {
 public:
  explicit Builder(const Options& o) : o_(o), rng_(StreamSeed(o.seed, Stream::kWorld)) {
    std::vector<uint32_t> w;
    for (const Surname& s : Surnames()) w.push_back(s.per_100k);
    surnames_ = WeightedIndex(w);
    w.clear();
    for (const Region& r : Regions()) w.push_back(r.weight);
    regions_ = WeightedIndex(w);
    household_sizes_ = WeightedIndex(kHouseholdSizeWeights);
    adult_bands_ = WeightedIndex(kAdultBandWeights);
    w.clear();
    for (const EmailDomain& d : kDomains) w.push_back(d.weight);
    domains_ = WeightedIndex(w);
  }

  World Build() {
    world_.persons.reserve(o_.persons);
    while (world_.persons.size() < o_.persons) AddHousehold();
    MakeStores();
    MakeProducts();
    MakeKiosks();
    return std::move(world_);
  }

 private:
  std::size_t count() const { return world_.persons.size(); }
  std::size_t remaining() const { return o_.persons - count(); }

  void AddHousehold() {
    const uint32_t household = world_.households++;
    const std::size_t first = count();
    Address home = NewAddress();

    if (remaining() >= 4 && static_cast<double>(twins_ + 2) <= o_.twin_rate * static_cast<double>(count() + 4) &&
        rng_.Chance(0.5)) {
      AddTwinFamily(household, home);
    } else if (count() > 0 && static_cast<double>(lookalikes_ + 2) <= o_.lookalike_rate * static_cast<double>(count() + 1) &&
               AddLookAlike(household, home)) {
      // done
    } else {
      AddFamily(household, home);
    }

    if (rng_.Chance(o_.mover_rate)) {
      Address before = NewAddress();
      while (before.postal_code == home.postal_code) before = NewAddress();
      const int day = rng_.Int(o_.days / 10, std::max(o_.days / 10, o_.days * 9 / 10));
      for (std::size_t i = first; i < count(); ++i) {
        Person& p = world_.persons[i];
        p.previous = before;
        p.move_day = day;
        p.hard_cases |= kMover;
      }
    }
  }

  // One adult or a family: a couple, or one parent, with children who carry
  // the father's surname.
  void AddFamily(uint32_t household, const Address& home) {
    const std::size_t size = std::min<std::size_t>(household_sizes_.Pick(rng_) + 1, remaining());
    if (size == 1) {
      const char gender = rng_.Chance(0.5) ? 'M' : 'F';
      const int age = AdultAge(20);
      const std::string surname = DrawSurname();
      AddPerson(household, home, surname, gender, BirthAt(age), nullptr);
      return;
    }
    const bool couple = size >= 3 || rng_.Chance(0.7);
    const int head_age = size >= 3 || !couple ? rng_.Int(41, 75) : AdultAge(25);
    const char head_gender = couple || rng_.Chance(0.6) ? 'M' : 'F';
    const std::string head_surname = DrawSurname();
    const std::size_t head =
        AddPerson(household, home, head_surname, head_gender, BirthAt(head_age), nullptr);
    std::size_t members = 1;
    if (couple) {
      const int spouse_age = std::max(20, head_age + rng_.Int(-5, 2));
      const std::string spouse_surname = DrawSurname();
      AddMember(household, home, spouse_surname, 'F', BirthAt(spouse_age), head, nullptr);
      ++members;
    }
    const std::string family_surname = head_gender == 'M' ? world_.persons[head].surname : DrawSurname();
    int child_age = rng_.Int(15, std::max(15, head_age - 26));
    std::string sibling;
    while (members < size && child_age >= 15) {
      const char gender = rng_.Chance(0.5) ? 'M' : 'F';
      const std::size_t child = AddMember(household, home, family_surname, gender, BirthAt(child_age),
                                          head, sibling.empty() ? nullptr : &sibling);
      sibling = world_.persons[child].given_name;
      ++members;
      child_age -= rng_.Int(1, 4);
    }
  }

  // Parents and twins of at least 15: same surname, birth date and home,
  // different given names; half the time both give a parent's phone.
  void AddTwinFamily(uint32_t household, const Address& home) {
    const int head_age = rng_.Int(41, 62);
    const std::string head_surname = DrawSurname();
    const std::size_t head = AddPerson(household, home, head_surname, 'M', BirthAt(head_age), nullptr);
    const int spouse_age = std::max(20, head_age + rng_.Int(-5, 2));
    const std::string spouse_surname = DrawSurname();
    AddMember(household, home, spouse_surname, 'F', BirthAt(spouse_age), head, nullptr);
    const std::string surname = world_.persons[head].surname;
    const Date birth = BirthAt(rng_.Int(15, head_age - 26));
    const char g1 = rng_.Chance(0.5) ? 'M' : 'F';
    const char g2 = rng_.Chance(0.5) ? g1 : (g1 == 'M' ? 'F' : 'M');
    const bool parent_phone = rng_.Chance(0.5);
    const std::size_t a = AddPerson(household, home, surname, g1, birth, nullptr);
    const std::string first_name = world_.persons[a].given_name;
    const std::size_t b = AddPerson(household, home, surname, g2, birth, &first_name);
    for (std::size_t t : {a, b}) {
      Person& p = world_.persons[t];
      p.hard_cases |= kTwin;
      p.related = static_cast<int64_t>(t == a ? b : a);
      if (parent_phone && static_cast<double>(shared_ + 1) <= o_.shared_phone_rate * static_cast<double>(count()))
        ShareHeadPhone(t, head);
    }
    twins_ += 2;
  }

  // A person of another household with the name, birth date and gender of
  // an earlier one, and their own phone and address.
  bool AddLookAlike(uint32_t household, const Address& home) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      const std::size_t original = rng_.Below(count());
      const Person& o = world_.persons[original];
      if ((o.hard_cases & (kLookAlike | kTwin)) != 0 || o.address.postal_code == home.postal_code)
        continue;
      const std::string surname = o.surname, given = o.given_name;
      const Date birth = o.birth;
      const char gender = o.gender;
      const std::size_t copy = AddPerson(household, home, surname, gender, birth, nullptr, &given);
      Person& c = world_.persons[copy];
      Person& orig = world_.persons[original];
      orig.hard_cases |= kLookAlike;
      orig.related = static_cast<int64_t>(copy);
      c.hard_cases |= kLookAlike;
      c.related = static_cast<int64_t>(original);
      lookalikes_ += 2;
      return true;
    }
    return false;
  }

  // A household member who is not the head: may give the head's phone.
  std::size_t AddMember(uint32_t household, const Address& home, const std::string& surname,
                        char gender, const Date& birth, std::size_t head, const std::string* sibling) {
    const std::size_t i = AddPerson(household, home, surname, gender, birth, sibling);
    if (static_cast<double>(shared_ + 1) <= o_.shared_phone_rate * static_cast<double>(count()) &&
        rng_.Chance(0.5))
      ShareHeadPhone(i, head);
    return i;
  }

  void ShareHeadPhone(std::size_t i, std::size_t head) {
    Person& p = world_.persons[i];
    if ((p.hard_cases & kSharedPhone) != 0) return;
    p.hard_cases &= ~kTwoPhones;
    p.phones = {world_.persons[head].phones[0]};
    p.hard_cases |= kSharedPhone;
    if ((p.hard_cases & kTwin) == 0) p.related = static_cast<int64_t>(head);
    ++shared_;
  }

  Date BirthAt(int age) {
    Date d;
    d.year = o_.start.year - age;
    d.month = rng_.Int(1, 12);
    d.day = rng_.Int(1, DaysInMonth(d.year, d.month));
    return d;
  }

  // `sibling`: draw a given name unlike theirs; `given`: use this one.
  std::size_t AddPerson(uint32_t household, const Address& home, const std::string& surname,
                        char gender, const Date& birth, const std::string* sibling,
                        const std::string* given = nullptr) {
    Person p;
    p.index = static_cast<uint32_t>(count());
    p.id = "P";
    AppendPadded(p.id, p.index, 7);
    p.household = household;
    p.surname = surname;
    p.surname_roman = RomanSurname(surname);
    p.gender = gender;
    p.birth = birth;
    p.given_name = given     ? *given
                   : sibling ? DrawSiblingName(rng_, birth.year, gender, *sibling)
                             : DrawGivenName(rng_, birth.year, gender);
    p.given_roman = Romanize(p.given_name);
    p.address = home;
    p.phones.push_back(NewPhone());
    const double two = o_.shared_phone_rate < 1 ? o_.two_phone_rate / (1 - o_.shared_phone_rate) : 0;
    if (rng_.Chance(two)) {
      p.phones.push_back(NewPhone());
      p.hard_cases |= kTwoPhones;
    }
    if (rng_.Chance(o_.email_rate)) {
      p.emails.push_back(NewEmail(p));
      if (rng_.Chance(o_.second_email_rate)) p.emails.push_back(NewEmail(p));
    }
    if (rng_.Chance(o_.member_rate)) p.member_id = NewId("M", 9, members_);
    if (rng_.Chance(o_.user_rate)) p.user_id = NewId("", 8, users_);
    if (rng_.Chance(o_.card_rate)) {
      p.card_tokens.push_back(NewToken());
      if (rng_.Chance(0.2)) p.card_tokens.push_back(NewToken());
    }
    world_.persons.push_back(std::move(p));
    return count() - 1;
  }

  std::string DrawSurname() {
    return Surnames()[surnames_.Pick(rng_)].hangul;
  }
  static std::string RomanSurname(const std::string& hangul) {
    for (const Surname& s : Surnames())
      if (hangul == s.hangul) return s.roman;
    return Romanize(hangul);
  }
  int AdultAge(int min_age) {
    for (;;) {
      const int band = static_cast<int>(adult_bands_.Pick(rng_));
      const int age = 20 + band * 5 + rng_.Int(0, 4);
      if (age >= min_age) return age;
    }
  }

  std::string NewPhone() {
    for (;;) {
      std::string phone = "010";
      phone.push_back(static_cast<char>('2' + rng_.Below(8)));
      AppendPadded(phone, rng_.Below(10000000), 7);
      if (phones_.insert(phone).second) return phone;
    }
  }

  std::string NewId(const char* prefix, int digits, std::unordered_set<std::string>& taken) {
    uint64_t span = 1;
    for (int i = 1; i < digits; ++i) span *= 10;
    for (;;) {
      std::string id = prefix;
      id.push_back(static_cast<char>('1' + rng_.Below(9)));
      AppendPadded(id, rng_.Below(span), digits - 1);
      if (taken.insert(id).second) return id;
    }
  }

  std::string NewToken() {
    for (;;) {
      std::string t = "tok_";
      for (int i = 0; i < 24; ++i) t.push_back(kBase62[rng_.Below(62)]);
      if (tokens_.insert(t).second) return t;
    }
  }

  std::string NewEmail(const Person& p) {
    const std::string& g = p.given_roman;
    const std::string& s = p.surname_roman;
    // Initials: the first letter of each syllable's romanisation.
    std::string initials;
    for (size_t i = 0; i + 3 <= p.given_name.size(); i += 3) {
      const std::string r = Romanize(std::string_view(p.given_name).substr(i, 3));
      if (!r.empty()) initials.push_back(r[0]);
    }
    std::string local;
    switch (rng_.Below(7)) {
      case 0: local = g + "." + s; break;
      case 1: local = g + s; break;
      case 2: local = s + "." + g; break;
      case 3: local = s + g; break;
      case 4: local = initials + "." + s; break;
      case 5: local = initials + s; break;
      default: local = g + "_" + s; break;
    }
    const uint64_t digits = rng_.Below(100);
    if (digits < 25) {
      AppendPadded(local, static_cast<uint64_t>(p.birth.year % 100), 2);
    } else if (digits < 35) {
      AppendPadded(local, static_cast<uint64_t>(p.birth.year), 4);
    } else if (digits < 45) {
      AppendPadded(local, static_cast<uint64_t>(p.birth.month * 100 + p.birth.day), 4);
    } else if (digits < 70) {
      AppendPadded(local, rng_.Range(1, 9999), 0);
    }
    const std::string domain = kDomains[domains_.Pick(rng_)].domain;
    std::string email = local + "@" + domain;
    while (!emails_.insert(email).second) {
      AppendPadded(local, rng_.Range(0, 9), 1);
      email = local + "@" + domain;
    }
    return email;
  }

  Address NewAddress() {
    const std::size_t r = regions_.Pick(rng_);
    const Region& region = Regions()[r];
    const std::size_t sg = rng_.Below(region.sigungu.size());
    if (rng_.Chance(kApartmentShare)) {
      auto& complexes = complexes_[{r, sg}];
      if (complexes.empty() || rng_.Chance(kNewComplexChance)) complexes.push_back(NewComplex(r, sg));
      // A unit nobody lives in yet; a complex that seems full makes way for a new one.
      for (int attempt = 0;; ++attempt) {
        const bool fresh = attempt >= 16;
        if (attempt == 16) complexes.push_back(NewComplex(r, sg));
        const Complex& c = fresh ? complexes.back() : complexes[rng_.Below(complexes.size())];
        Address a = c.base;
        a.dong = 101 + rng_.Int(0, c.dongs - 1);
        const int floor = rng_.Int(1, c.floors);
        a.ho = floor * 100 + rng_.Int(1, 4);
        if (units_.insert(a.Line()).second) return a;
      }
    }
    return RoadAddress(r, sg);
  }

  Complex NewComplex(std::size_t r, std::size_t sg) {
    Complex c;
    c.base = RoadAddress(r, sg);
    const std::string brand = rng_.Pick(ApartmentBrands());
    c.base.complex = brand + " " + rng_.Pick(ComplexSuffixes());
    c.dongs = rng_.Int(3, 15);
    c.floors = rng_.Int(10, 30);
    return c;
  }

  // A road address whose postal code is that of its block (road and a range
  // of building numbers), inside the sigungu's share of the sido's codes.
  Address RoadAddress(std::size_t r, std::size_t sg) {
    const Region& region = Regions()[r];
    Address a;
    a.sido = region.sido;
    a.sido_short = region.sido_short;
    a.sigungu = region.sigungu[sg];
    a.road = rng_.Pick(RoadNames());
    if (rng_.Chance(0.4)) {
      AppendPadded(a.road, rng_.Range(1, 60), 0);
      a.road += "번길";
    }
    a.building = rng_.Int(1, 400);
    const uint64_t lo = static_cast<uint64_t>(region.postal_lo) * 1000;
    const uint64_t width = (static_cast<uint64_t>(region.postal_hi) + 1) * 1000 - lo;
    const uint64_t part = width / region.sigungu.size();
    uint64_t h = Mix(o_.seed, r * 1000 + sg, static_cast<uint64_t>(a.building / 40));
    for (unsigned char ch : a.road) h = Mix(h, ch);
    AppendPadded(a.postal_code, lo + sg * part + h % part, 5);
    return a;
  }

  void MakeStores() {
    for (std::size_t i = 0; i < o_.stores; ++i) {
      Store s;
      s.id = "S";
      AppendPadded(s.id, i + 1, 3);
      s.region = static_cast<uint16_t>(regions_.Pick(rng_));
      s.phone = NewPhone();
      world_.stores.push_back(std::move(s));
    }
  }

  void MakeProducts() {
    std::vector<uint32_t> w;
    for (const Category& c : kCategories) w.push_back(c.weight);
    const WeightedIndex categories(w);
    std::map<std::string, uint32_t> per_code;
    for (std::size_t i = 0; i < kProducts; ++i) {
      const Category& c = kCategories[categories.Pick(rng_)];
      Product p;
      p.category = c.name;
      std::vector<const char*> nouns;
      for (const char* noun : c.nouns)
        if (noun != nullptr) nouns.push_back(noun);
      const std::string adjective = rng_.Pick(std::span<const char* const>(kAdjectives));
      p.name = adjective + " " + nouns[rng_.Below(nouns.size())];
      p.sku = std::string("SKU-") + c.code + "-";
      AppendPadded(p.sku, ++per_code[c.code], 5);
      uint32_t price = static_cast<uint32_t>(rng_.Range(c.price_lo / 100, c.price_hi / 100)) * 100;
      if (rng_.Chance(0.5) && price >= 1000) price = price / 1000 * 1000 - 100;
      p.price = price;
      world_.products.push_back(std::move(p));
    }
  }

  void MakeKiosks() {
    if (world_.stores.empty()) return;
    for (std::size_t i = 0; i < o_.kiosks; ++i) {
      Kiosk k;
      k.store = static_cast<uint16_t>(rng_.Below(world_.stores.size()));
      k.device_id = "kiosk-" + world_.stores[k.store].id + "-";
      AppendPadded(k.device_id, i + 1, 2);
      world_.kiosks.push_back(std::move(k));
    }
  }

  const Options& o_;
  Rng rng_;
  World world_;
  WeightedIndex surnames_, regions_, household_sizes_, adult_bands_, domains_;
  std::map<std::pair<std::size_t, std::size_t>, std::vector<Complex>> complexes_;
  std::unordered_set<std::string> units_, phones_, emails_, members_, users_, tokens_;
  std::size_t twins_ = 0, lookalikes_ = 0, shared_ = 0;
};

}  // namespace

World BuildWorld(const Options& options) { return Builder(options).Build(); }

}  // namespace seam::synth
