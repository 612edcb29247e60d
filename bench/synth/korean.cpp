#include "korean.h"

#include <array>
#include <vector>

namespace seam::synth {
namespace {

constexpr Surname kSurnames[] = {
    {"김", "kim", 21500}, {"이", "lee", 14700}, {"박", "park", 8400}, {"최", "choi", 4700},
    {"정", "jung", 4300}, {"강", "kang", 2300}, {"조", "cho", 2100}, {"윤", "yoon", 2100},
    {"장", "jang", 2000}, {"임", "lim", 1700}, {"한", "han", 1500}, {"오", "oh", 1500},
    {"서", "seo", 1500}, {"신", "shin", 1500}, {"권", "kwon", 1400}, {"황", "hwang", 1400},
    {"안", "ahn", 1400}, {"송", "song", 1400}, {"전", "jeon", 1100}, {"홍", "hong", 1100},
    {"유", "yoo", 800}, {"류", "ryu", 500}, {"고", "ko", 900}, {"문", "moon", 900},
    {"양", "yang", 900}, {"손", "son", 900}, {"배", "bae", 800}, {"백", "baek", 800},
    {"허", "heo", 700}, {"남", "nam", 600}, {"심", "shim", 500}, {"노", "noh", 650}, {"하", "ha", 650},
    {"곽", "kwak", 550}, {"성", "sung", 550}, {"차", "cha", 550}, {"주", "joo", 550},
    {"우", "woo", 550}, {"구", "koo", 550}, {"민", "min", 500}, {"진", "jin", 500}, {"나", "na", 450},
    {"지", "ji", 450}, {"엄", "eom", 450}, {"채", "chae", 400}, {"원", "won", 400},
    {"천", "cheon", 400}, {"방", "bang", 350}, {"공", "kong", 350}, {"현", "hyun", 350},
    {"함", "ham", 350}, {"변", "byun", 350}, {"염", "yeom", 300}, {"여", "yeo", 300},
    {"추", "choo", 270}, {"도", "do", 163}, {"소", "so", 100}, {"석", "seok", 100}, {"선", "sun", 90},
    {"설", "seol", 90}, {"마", "ma", 80}, {"길", "gil", 80}, {"연", "yeon", 80}, {"위", "wi", 70},
    {"표", "pyo", 60}, {"명", "myung", 60}, {"기", "ki", 50}, {"반", "ban", 50}, {"왕", "wang", 50},
    {"금", "keum", 50}, {"옥", "ok", 50}, {"육", "yuk", 40}, {"인", "in", 40}, {"맹", "maeng", 40},
    {"제", "je", 40}, {"모", "mo", 40}, {"탁", "tak", 30}, {"국", "kook", 30}, {"어", "eo", 20},
    {"은", "eun", 20}, {"편", "pyeon", 20}, {"용", "yong", 20}, {"남궁", "namgung", 40},
    {"황보", "hwangbo", 20}, {"제갈", "jegal", 10}, {"선우", "sunwoo", 8}, {"독고", "dokgo", 2},
    {"사공", "sagong", 5}, {"서문", "seomun", 2}, {"봉", "bong", 60}, {"사", "sa", 60}, {"부", "bu", 60},
    {"가", "ka", 60}, {"경", "kyung", 60}, {"태", "tae", 60}, {"빈", "bin", 60}, {"상", "sang", 60},
    {"승", "seung", 60}, {"시", "si", 60}, {"종", "jong", 60}, {"좌", "jwa", 60}, {"춘", "chun", 60},
    {"팽", "paeng", 60}, {"피", "pi", 60}, {"호", "ho", 60}, {"화", "hwa", 60}, {"후", "hu", 60},
    {"대", "dae", 60}, {"두", "doo", 60}, {"뢰", "roe", 60}, {"묵", "muk", 60}, {"범", "beom", 60},
    {"복", "bok", 60}, {"단", "dan", 60}, {"당", "dang", 60}, {"동", "dong", 60}, {"계", "kye", 60},
};

constexpr uint32_t SumWeights() {
  uint32_t sum = 0;
  for (const Surname& s : kSurnames) sum += s.per_100k;
  return sum;
}
static_assert(SumWeights() == 100000, "surname weights are per 100,000 people");

// Popular given names by birth decade (Supreme Court family-register
// statistics as reported in the press), most popular first.
struct Decade {
  int first_year;  // the decade applies from this year on
  std::array<const char*, 15> male;
  std::array<const char*, 15> female;
};
constexpr Decade kDecades[] = {
    {0,
     {"영수", "영호", "영식", "영철", "정수", "정호", "상철", "광수", "성수", "종수", "영길",
      "병철", "재호", "순철", "용수"},
     {"영자", "정자", "순자", "춘자", "경자", "옥순", "말순", "영숙", "정숙", "명숙", "순옥",
      "영순", "정순", "영희", "숙자"}},
    {1960,
     {"영수", "영호", "영식", "성호", "성수", "정호", "상훈", "성진", "동현", "종호", "정훈",
      "재훈", "경수", "영진", "상호"},
     {"영숙", "정숙", "영희", "명숙", "경숙", "순자", "미숙", "정희", "은숙", "현숙", "미경",
      "경희", "영미", "혜숙", "정미"}},
    {1970,
     {"성호", "성훈", "정훈", "상훈", "성민", "성진", "정호", "영수", "지훈", "상현", "재훈",
      "동훈", "준호", "현철", "민수"},
     {"미영", "은영", "미경", "현주", "은정", "미숙", "정희", "지영", "현정", "은주", "선영",
      "혜진", "미정", "수진", "영미"}},
    {1980,
     {"지훈", "성민", "현우", "준호", "민수", "성현", "동현", "민호", "정훈", "현준", "상현",
      "준영", "재현", "승현", "지환"},
     {"지영", "지은", "수진", "민정", "은지", "혜진", "선영", "현정", "지현", "미영", "은정",
      "수정", "유진", "지혜", "소영"}},
    {1990,
     {"동현", "지훈", "성민", "현우", "민수", "준영", "민석", "민재", "준호", "승민", "재원",
      "현준", "우진", "상민", "진우"},
     {"지은", "유진", "민지", "수진", "지혜", "지현", "은지", "수빈", "현지", "예진", "민정",
      "지원", "혜진", "다은", "수연"}},
    {2000,
     {"민준", "현우", "동현", "지훈", "준영", "도현", "민재", "건우", "현준", "승민", "준호",
      "지호", "승현", "유준", "민성"},
     {"서연", "민서", "수빈", "지원", "서현", "민지", "유진", "지민", "예은", "수민", "지현",
      "하은", "윤서", "채원", "서영"}},
};
// Popularity within a decade's list, roughly Zipf.
constexpr uint32_t kPopularWeights[15] = {30, 24, 20, 17, 15, 13, 12, 11, 10, 9, 8, 8, 7, 7, 6};
constexpr double kPopularShare = 0.15;

// Syllable pools for composed names: one for those born before 1980, one
// after (names changed a lot).
struct Pools {
  std::array<const char*, 20> male_first, male_second, female_first, female_second;
};
constexpr Pools kTraditional = {
    {"영", "정", "상", "성", "종", "병", "재", "광", "동", "경", "기", "용", "창", "진", "명", "승",
     "태", "문", "수", "원"},
    {"수", "호", "식", "철", "길", "진", "석", "훈", "환", "우", "기", "근", "일", "규", "섭", "복",
     "현", "준", "민", "택"},
    {"영", "정", "순", "명", "경", "미", "은", "혜", "현", "선", "옥", "춘", "말", "숙", "희", "인",
     "연", "지", "화", "금"},
    {"자", "숙", "희", "순", "옥", "미", "영", "경", "정", "란", "애", "주", "선", "실", "분", "녀",
     "임", "남", "연", "현"}};
constexpr Pools kModern = {
    {"민", "준", "서", "도", "현", "지", "성", "동", "승", "우", "재", "건", "시", "주", "태", "윤",
     "하", "유", "예", "정"},
    {"준", "호", "훈", "민", "수", "현", "우", "진", "석", "혁", "원", "빈", "규", "영", "환", "욱",
     "재", "성", "윤", "찬"},
    {"서", "민", "지", "수", "하", "예", "윤", "채", "은", "유", "현", "다", "소", "혜", "가", "나",
     "연", "주", "세", "아"},
    {"연", "윤", "은", "아", "린", "진", "희", "영", "정", "경", "현", "지", "원", "빈", "주", "인",
     "서", "민", "우", "율"}};

const Decade& DecadeOf(int birth_year) {
  const Decade* d = &kDecades[0];
  for (const Decade& c : kDecades)
    if (birth_year >= c.first_year) d = &c;
  return *d;
}

std::string Compose(Rng& rng, int birth_year, char gender, std::string_view first_fixed) {
  const Pools& p = birth_year < 1980 ? kTraditional : kModern;
  const auto& firsts = gender == 'M' ? p.male_first : p.female_first;
  const auto& seconds = gender == 'M' ? p.male_second : p.female_second;
  for (;;) {
    std::string a = first_fixed.empty() ? firsts[rng.Below(firsts.size())] : std::string(first_fixed);
    std::string b = seconds[rng.Below(seconds.size())];
    if (a != b) return a + b;
  }
}

constexpr const char* kSeoul[] = {"강남구", "서초구", "송파구", "강동구", "마포구",
                                  "영등포구", "관악구", "노원구", "강서구", "성북구",
                                  "은평구", "동작구", "광진구", "중랑구", "양천구"};
constexpr const char* kGyeonggi[] = {"수원시", "성남시", "고양시", "용인시", "부천시",
                                     "안산시", "화성시", "남양주시", "안양시", "평택시",
                                     "의정부시", "파주시", "김포시", "광명시", "하남시"};
constexpr const char* kIncheon[] = {"남동구", "부평구", "서구", "연수구", "미추홀구", "계양구"};
constexpr const char* kBusan[] = {"해운대구", "부산진구", "동래구", "사하구",
                                  "남구",     "북구",     "수영구", "연제구"};
constexpr const char* kDaegu[] = {"수성구", "달서구", "북구", "동구", "중구"};
constexpr const char* kGwangju[] = {"북구", "광산구", "서구", "남구"};
constexpr const char* kDaejeon[] = {"서구", "유성구", "중구", "대덕구"};
constexpr const char* kUlsan[] = {"남구", "중구", "울주군", "북구"};
constexpr const char* kSejong[] = {""};
constexpr const char* kGangwon[] = {"춘천시", "원주시", "강릉시"};
constexpr const char* kChungbuk[] = {"청주시", "충주시", "제천시"};
constexpr const char* kChungnam[] = {"천안시", "아산시", "서산시", "당진시"};
constexpr const char* kJeonbuk[] = {"전주시", "익산시", "군산시"};
constexpr const char* kJeonnam[] = {"순천시", "여수시", "목포시"};
constexpr const char* kGyeongbuk[] = {"포항시", "구미시", "경산시", "경주시"};
constexpr const char* kGyeongnam[] = {"창원시", "김해시", "양산시", "진주시"};
constexpr const char* kJeju[] = {"제주시", "서귀포시"};

const Region kRegions[] = {
    {"서울특별시", "서울", 185, 1, 8, kSeoul},
    {"경기도", "경기", 265, 10, 18, kGyeonggi},
    {"인천광역시", "인천", 57, 21, 23, kIncheon},
    {"부산광역시", "부산", 66, 46, 49, kBusan},
    {"대구광역시", "대구", 47, 41, 43, kDaegu},
    {"광주광역시", "광주", 28, 61, 62, kGwangju},
    {"대전광역시", "대전", 29, 34, 35, kDaejeon},
    {"울산광역시", "울산", 22, 44, 45, kUlsan},
    {"세종특별자치시", "세종", 7, 30, 30, kSejong},
    {"강원특별자치도", "강원", 30, 24, 26, kGangwon},
    {"충청북도", "충북", 31, 27, 29, kChungbuk},
    {"충청남도", "충남", 42, 31, 33, kChungnam},
    {"전북특별자치도", "전북", 35, 54, 56, kJeonbuk},
    {"전라남도", "전남", 35, 57, 60, kJeonnam},
    {"경상북도", "경북", 50, 36, 40, kGyeongbuk},
    {"경상남도", "경남", 64, 50, 53, kGyeongnam},
    {"제주특별자치도", "제주", 13, 63, 63, kJeju},
};

constexpr const char* kRoads[] = {
    "중앙로", "시청로", "번영로", "대학로", "공원로", "역전로", "문화로", "신촌로",
    "봉은사로", "테헤란로", "올림픽로", "도산대로", "한강대로", "세종대로", "강남대로",
    "경수대로", "해운대로", "월드컵로", "은행로", "새마을로", "충장로", "둔산로",
    "삼일대로", "효자로", "평화로", "동부로", "서부로", "남부순환로", "호국로", "백제로"};
constexpr const char* kBrands[] = {"래미안", "자이",   "힐스테이트", "e편한세상", "푸르지오",
                                   "롯데캐슬", "아이파크", "더샵",  "현대",      "삼성",
                                   "주공",   "한신",   "대우",      "쌍용",      "우성",
                                   "한양",   "벽산"};
constexpr const char* kSuffixes[] = {"센트럴", "파크",   "퍼스트", "1차",    "2차",
                                     "3단지",  "리버뷰", "스카이", "레이크", "포레"};

// Revised Romanization parts by jamo index.
constexpr const char* kInitials[19] = {"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s",
                                       "ss", "", "j", "jj", "ch", "k", "t", "p", "h"};
constexpr const char* kMedials[21] = {"a",  "ae", "ya", "yae", "eo", "e",  "yeo",
                                      "ye", "o",  "wa", "wae", "oe", "yo", "u",
                                      "wo", "we", "wi", "yu",  "eu", "ui", "i"};
constexpr const char* kFinals[28] = {"",  "k", "k", "k", "n", "n", "n",  "t", "l", "k",
                                     "m", "l", "l", "l", "p", "l", "m",  "p", "p", "t",
                                     "t", "ng", "t", "t", "k", "t", "p", "t"};

constexpr char32_t kHangulFirst = 0xAC00;
constexpr char32_t kHangulLast = 0xD7A3;

std::u32string Decode(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
      i += 1;
    } else if ((c >> 5) == 0x6 && i + 1 < s.size()) {
      out.push_back((char32_t{c & 0x1Fu} << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu));
      i += 2;
    } else if ((c >> 4) == 0xE && i + 2 < s.size()) {
      out.push_back((char32_t{c & 0x0Fu} << 12) |
                    (char32_t{static_cast<unsigned char>(s[i + 1]) & 0x3Fu} << 6) |
                    (static_cast<unsigned char>(s[i + 2]) & 0x3Fu));
      i += 3;
    } else {
      // The tables hold no 4-byte sequences; keep a stray byte as is.
      out.push_back(c);
      i += 1;
    }
  }
  return out;
}

std::string Encode(std::u32string_view cps) {
  std::string out;
  for (char32_t c : cps) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

}  // namespace

std::span<const Surname> Surnames() { return kSurnames; }
std::span<const Region> Regions() { return kRegions; }
std::span<const char* const> RoadNames() { return kRoads; }
std::span<const char* const> ApartmentBrands() { return kBrands; }
std::span<const char* const> ComplexSuffixes() { return kSuffixes; }

std::string DrawGivenName(Rng& rng, int birth_year, char gender) {
  if (rng.Chance(kPopularShare)) {
    static const WeightedIndex popular(kPopularWeights);
    const Decade& d = DecadeOf(birth_year);
    return (gender == 'M' ? d.male : d.female)[popular.Pick(rng)];
  }
  return Compose(rng, birth_year, gender, {});
}

std::string DrawSiblingName(Rng& rng, int birth_year, char gender, std::string_view sibling) {
  for (;;) {
    std::string name;
    if (rng.Chance(0.5) && sibling.size() >= 3) {
      name = Compose(rng, birth_year, gender, sibling.substr(0, 3));
    } else {
      name = DrawGivenName(rng, birth_year, gender);
    }
    if (name != sibling) return name;
  }
}

std::string Romanize(std::string_view utf8) {
  std::string out;
  for (char32_t c : Decode(utf8)) {
    if (c >= kHangulFirst && c <= kHangulLast) {
      const uint32_t s = c - kHangulFirst;
      out += kInitials[s / (21 * 28)];
      out += kMedials[(s / 28) % 21];
      out += kFinals[s % 28];
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
  }
  return out;
}

std::string HangulTypo(Rng& rng, std::string_view utf8) {
  std::u32string cps = Decode(utf8);
  std::vector<size_t> hangul;
  for (size_t i = 0; i < cps.size(); ++i)
    if (cps[i] >= kHangulFirst && cps[i] <= kHangulLast) hangul.push_back(i);
  if (hangul.empty()) return std::string(utf8);
  const size_t at = hangul[rng.Below(hangul.size())];
  const uint32_t s = cps[at] - kHangulFirst;
  uint32_t initial = s / (21 * 28), medial = (s / 28) % 21, final = s % 28;
  // Pairs that sound or look alike: ㅓ/ㅗ, ㅐ/ㅔ, ㅕ/ㅛ, ㅜ/ㅡ; finals none/ㄴ/ㅇ.
  static constexpr std::pair<uint32_t, uint32_t> kVowels[] = {{4, 8}, {1, 5}, {6, 12}, {13, 18}};
  bool changed = false;
  if (rng.Chance(0.5)) {
    for (auto [a, b] : kVowels) {
      if (medial == a || medial == b) {
        medial = medial == a ? b : a;
        changed = true;
        break;
      }
    }
  }
  if (!changed) final = final == 21 ? 4 : final == 4 ? 21 : final == 0 ? 4 : 0;
  cps[at] = kHangulFirst + (initial * 21 + medial) * 28 + final;
  return Encode(cps);
}

}  // namespace seam::synth
