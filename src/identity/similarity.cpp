#include "identity/similarity.h"

#include <phonenumbers/phonenumberutil.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <tuple>

namespace seam::identity {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr char32_t kSyllableFirst = 0xAC00;
constexpr char32_t kSyllableLast = 0xD7A3;

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Scratch buffers reused across calls: the comparisons run millions of times
// in a candidate loop and must not allocate.
std::vector<char>& Scratch(int which) {
  thread_local std::array<std::vector<char>, 2> buffers;
  return buffers[static_cast<std::size_t>(which)];
}

// Jaro over code units of one width. The caller passes (a, b) in a canonical
// order: the greedy match window makes Jaro order-dependent in rare cases.
template <typename Char>
double Jaro(std::basic_string_view<Char> a, std::basic_string_view<Char> b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  const std::size_t la = a.size(), lb = b.size();
  const std::size_t longer = std::max(la, lb);
  const std::size_t window = longer / 2 > 0 ? longer / 2 - 1 : 0;
  std::vector<char>& a_matched = Scratch(0);
  std::vector<char>& b_matched = Scratch(1);
  a_matched.assign(la, 0);
  b_matched.assign(lb, 0);
  std::size_t matches = 0;
  for (std::size_t i = 0; i < la; ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(lb, i + window + 1);
    for (std::size_t j = lo; j < hi; ++j) {
      if (b_matched[j] || a[i] != b[j]) continue;
      a_matched[i] = b_matched[j] = 1;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  std::size_t transposed = 0;
  for (std::size_t i = 0, j = 0; i < la; ++i) {
    if (!a_matched[i]) continue;
    while (!b_matched[j]) ++j;
    if (a[i] != b[j]) ++transposed;
    ++j;
  }
  const double m = static_cast<double>(matches);
  return (m / static_cast<double>(la) + m / static_cast<double>(lb) +
          (m - static_cast<double>(transposed) / 2.0) / m) /
         3.0;
}

template <typename Char>
double JaroWinklerImpl(std::basic_string_view<Char> a, std::basic_string_view<Char> b) {
  if (b < a) std::swap(a, b);
  const double jaro = Jaro(a, b);
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

template <typename Char>
int DamerauLevenshteinImpl(std::basic_string_view<Char> a, std::basic_string_view<Char> b, int max_distance) {
  if (max_distance < 0) return 0;
  if (a.size() > b.size()) std::swap(a, b);
  const int la = static_cast<int>(a.size()), lb = static_cast<int>(b.size());
  if (lb - la > max_distance) return max_distance + 1;
  if (la == 0) return std::min(lb, max_distance + 1);
  // Three rows of the optimal-string-alignment table.
  thread_local std::vector<int> rows;
  const auto width = static_cast<std::size_t>(lb) + 1;
  rows.assign(3 * width, 0);
  int* prev2 = rows.data();
  int* prev = prev2 + width;
  int* cur = prev + width;
  for (int j = 0; j <= lb; ++j) prev[j] = j;
  for (int i = 1; i <= la; ++i) {
    cur[0] = i;
    int row_min = cur[0];
    const Char ai = a[static_cast<std::size_t>(i - 1)];
    for (int j = 1; j <= lb; ++j) {
      const Char bj = b[static_cast<std::size_t>(j - 1)];
      int v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai == bj ? 0 : 1)});
      if (i > 1 && j > 1 && ai == b[static_cast<std::size_t>(j - 2)] && a[static_cast<std::size_t>(i - 2)] == bj)
        v = std::min(v, prev2[j - 2] + 1);
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > max_distance) return max_distance + 1;
    int* t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return std::min(prev[lb], max_distance + 1);
}

bool IsAsciiAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Lower-case ASCII letters and digits, anything else one space, trimmed.
std::string AlnumWords(std::string_view s) {
  std::string out;
  bool gap = false;
  for (char raw : s) {
    char c = raw;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (IsAsciiAlnum(c)) {
      if (gap && !out.empty()) out.push_back(' ');
      gap = false;
      out.push_back(c);
    } else {
      gap = true;
    }
  }
  return out;
}

// --- Revised Romanization tables (initial, medial, final jamo order of the
// Unicode syllable block).
constexpr std::array<const char*, 19> kInitials = {"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s",
                                                   "ss", "", "j", "jj", "ch", "k", "t", "p", "h"};
constexpr std::array<const char*, 21> kMedials = {"a",  "ae", "ya", "yae", "eo", "e",  "yeo",
                                                  "ye", "o",  "wa", "wae", "oe", "yo", "u",
                                                  "wo", "we", "wi", "yu",  "eu", "ui", "i"};
constexpr std::array<const char*, 28> kFinals = {"",  "k", "k", "k", "n", "n", "n", "t", "l", "k",
                                                 "m", "l", "l", "l", "p", "l", "m", "p", "p", "t",
                                                 "t", "ng", "t", "t", "k", "t", "p", "t"};

// Latin spellings of Korean surnames as they appear on passports and cards
// (RR first, then the common older and family spellings).
const std::map<std::string, std::vector<std::string>, std::less<>>& SurnameTable() {
  static const auto* const table = [] {
    auto* t = new std::map<std::string, std::vector<std::string>, std::less<>>{
        {"김", {"kim", "gim", "ghim"}},
        {"이", {"lee", "yi", "rhee", "i", "rhie", "ri", "li", "yee"}},
        {"박", {"park", "bak", "pak", "bark", "parck"}},
        {"최", {"choi", "choe", "chey", "choy", "chae"}},
        {"정", {"jung", "jeong", "chung", "joung", "chong", "jong", "cheong"}},
        {"강", {"kang", "gang", "kahng"}},
        {"조", {"cho", "jo", "joe", "jou", "joh"}},
        {"윤", {"yoon", "yun", "youn"}},
        {"장", {"jang", "chang", "zang"}},
        {"임", {"lim", "im", "rim", "yim", "leem"}},
        {"한", {"han", "hahn"}},
        {"오", {"oh", "o", "oe"}},
        {"서", {"seo", "suh", "so", "sur", "seu"}},
        {"신", {"shin", "sin", "shinn", "sheen"}},
        {"권", {"kwon", "gwon", "kweon", "kwun"}},
        {"황", {"hwang", "whang", "hoang"}},
        {"안", {"ahn", "an", "ann"}},
        {"송", {"song", "soung"}},
        {"전", {"jeon", "jun", "chun", "chon", "jon", "cheon"}},
        {"홍", {"hong", "houng"}},
        {"유", {"yoo", "yu", "you", "ryu", "yoou"}},
        {"류", {"ryu", "yoo", "yu", "ryoo", "rhyu", "lyu"}},
        {"고", {"ko", "go", "koh", "goh"}},
        {"문", {"moon", "mun", "muhn"}},
        {"양", {"yang", "ryang", "lyang"}},
        {"손", {"son", "sohn", "shon"}},
        {"배", {"bae", "bai", "pae", "pai", "bea"}},
        {"백", {"baek", "paik", "baik", "paek", "back", "beak"}},
        {"허", {"heo", "huh", "hur", "her", "hoh"}},
        {"남", {"nam", "nahm"}},
        {"심", {"shim", "sim", "sheem"}},
        {"노", {"noh", "no", "roh", "ro", "nho"}},
        {"하", {"ha", "hah"}},
        {"곽", {"kwak", "gwak", "kwag"}},
        {"성", {"sung", "seong", "song"}},
        {"차", {"cha", "char"}},
        {"주", {"joo", "ju", "chu", "choo", "jou"}},
        {"우", {"woo", "u", "wu"}},
        {"구", {"koo", "gu", "ku", "goo"}},
        {"민", {"min"}},
        {"나", {"na", "ra", "nah"}},
        {"진", {"jin", "chin", "jeen"}},
        {"지", {"ji", "chi", "jee"}},
        {"엄", {"eom", "um", "uhm", "eum"}},
        {"채", {"chae", "chai", "che"}},
        {"원", {"won", "weon", "one"}},
        {"천", {"cheon", "chun", "chon"}},
        {"방", {"bang", "pang"}},
        {"공", {"kong", "gong"}},
        {"현", {"hyun", "hyeon", "hyon"}},
        {"함", {"ham", "hahm"}},
        {"변", {"byun", "byeon", "pyun", "byon"}},
        {"염", {"yeom", "yum", "youm"}},
        {"여", {"yeo", "yuh", "yeu", "yo"}},
        {"추", {"choo", "chu"}},
        {"도", {"do", "doh", "toh"}},
        {"소", {"so", "soh"}},
        {"석", {"seok", "suk", "sok"}},
        {"선", {"sun", "seon", "sunn"}},
        {"설", {"seol", "sul", "sol"}},
        {"마", {"ma"}},
        {"길", {"gil", "kil"}},
        {"연", {"yeon", "yun", "youn"}},
        {"위", {"wi", "wee", "we"}},
        {"표", {"pyo", "pyoh"}},
        {"명", {"myung", "myeong", "myong"}},
        {"기", {"ki", "gi", "kee"}},
        {"반", {"ban", "pan"}},
        {"라", {"ra", "la"}},
        {"왕", {"wang"}},
        {"금", {"keum", "geum", "kum"}},
        {"옥", {"ok", "ock"}},
        {"육", {"yuk", "yook", "yug"}},
        {"인", {"in", "inn"}},
        {"맹", {"maeng", "meng"}},
        {"제", {"je", "jae", "jei"}},
        {"모", {"mo", "moh"}},
        {"탁", {"tak", "tark"}},
        {"국", {"kook", "guk", "kuk"}},
        {"어", {"eo", "uh", "oh"}},
        {"은", {"eun", "un"}},
        {"편", {"pyeon", "pyun"}},
        {"용", {"yong", "yoong"}},
        {"남궁", {"namgung", "namkung", "namkoong"}},
        {"황보", {"hwangbo", "whangbo"}},
        {"제갈", {"jegal", "chegal"}},
        {"선우", {"sunwoo", "seonu", "sunu"}},
        {"독고", {"dokgo", "tokko", "dokko"}},
        {"사공", {"sagong", "sakong"}},
        {"서문", {"seomun", "seomoon", "suhmoon"}},
        {"동방", {"dongbang", "tongbang"}},
    };
    for (auto& [hangul, spellings] : *t) std::sort(spellings.begin(), spellings.end());
    return t;
  }();
  return *table;
}

// Groups of English given names that are one name in full and familiar form.
const std::map<std::string, std::vector<int>, std::less<>>& NicknameIndex() {
  static const auto* const index = [] {
    static const std::vector<std::vector<const char*>> groups = {
        {"robert", "rob", "bob", "bobby", "robbie", "robby", "bert", "robin"},
        {"william", "will", "bill", "billy", "willie", "willy", "liam", "wills"},
        {"richard", "rick", "dick", "rich", "ricky", "richie", "dickie"},
        {"edward", "ed", "eddie", "eddy", "ted", "teddy", "ned", "ward"},
        {"james", "jim", "jimmy", "jamie", "jem", "jimmie"},
        {"john", "jack", "johnny", "jon", "jonny", "jock"},
        {"jonathan", "jon", "jonny", "nathan"},
        {"thomas", "tom", "tommy", "thom", "tam"},
        {"michael", "mike", "mick", "mickey", "micky", "mikey"},
        {"charles", "charlie", "chuck", "chas", "charley", "chaz"},
        {"henry", "harry", "hank", "hal", "hen"},
        {"joseph", "joe", "joey", "jos", "jo"},
        {"benjamin", "ben", "benny", "benji", "benjy"},
        {"samuel", "sam", "sammy"},
        {"daniel", "dan", "danny"},
        {"david", "dave", "davy", "davie"},
        {"anthony", "tony", "ant", "antony"},
        {"andrew", "andy", "drew"},
        {"alexander", "alex", "alec", "sandy", "sasha", "xander", "alick"},
        {"alexandra", "alex", "sandra", "sandy", "lexi", "sasha"},
        {"christopher", "chris", "kit", "topher"},
        {"nicholas", "nick", "nicky", "nic", "colin"},
        {"matthew", "matt", "matty"},
        {"peter", "pete"},
        {"stephen", "steven", "steve", "stevie", "steph"},
        {"frederick", "fred", "freddie", "freddy", "fritz", "frederic"},
        {"francis", "frank", "fran", "frankie"},
        {"franklin", "frank", "frankie"},
        {"patrick", "pat", "paddy", "patsy"},
        {"patricia", "pat", "patty", "patti", "trish", "tricia", "patsy"},
        {"margaret", "maggie", "meg", "peggy", "peg", "marge", "margie", "madge", "greta", "daisy", "maisie",
         "megan", "peggie", "margo"},
        {"elizabeth", "liz", "lizzie", "lizzy", "beth", "betty", "bess", "bessie", "eliza", "elsie", "libby",
         "betsy", "lisa", "liza", "elisabeth"},
        {"catherine", "katherine", "kathryn", "kate", "katie", "kathy", "cathy", "kitty", "kat", "kay",
         "katharine", "cathryn"},
        {"susan", "sue", "susie", "suzy", "suzie", "susanna", "susannah"},
        {"deborah", "deb", "debbie", "debby", "debra"},
        {"jennifer", "jen", "jenny", "jenn"},
        {"rebecca", "becky", "becca", "beck"},
        {"dorothy", "dot", "dolly", "dottie", "dora"},
        {"mary", "molly", "polly", "mae", "mamie", "maria", "marie"},
        {"ann", "anne", "anna", "annie", "nan", "nancy", "hannah", "nanny"},
        {"helen", "nell", "nellie", "ellen", "lena"},
        {"eleanor", "ellie", "nell", "nora", "elle", "nellie", "elinor"},
        {"albert", "al", "bert", "bertie", "albie"},
        {"alfred", "al", "alf", "alfie", "fred", "freddie"},
        {"arthur", "art", "artie"},
        {"bartholomew", "bart", "bat", "barty", "batt"},
        {"walter", "walt", "wally", "wat"},
        {"harold", "harry", "hal"},
        {"gerald", "gerry", "jerry", "ged"},
        {"lawrence", "laurence", "larry", "laurie", "lawrie"},
        {"leonard", "len", "lenny", "leo"},
        {"ronald", "ron", "ronnie"},
        {"donald", "don", "donnie", "donny"},
        {"douglas", "doug", "dougie"},
        {"raymond", "ray"},
        {"gregory", "greg"},
        {"timothy", "tim", "timmy"},
        {"kenneth", "ken", "kenny"},
        {"joshua", "josh"},
        {"zachary", "zach", "zack", "zak"},
        {"nathaniel", "nat", "nate", "nathan"},
        {"isaac", "ike", "zac"},
        {"abraham", "abe", "bram"},
        {"augustus", "gus", "august", "gussie"},
        {"theodore", "ted", "teddy", "theo"},
        {"victoria", "vicky", "vickie", "tori", "vic"},
        {"virginia", "ginny", "ginnie", "virgie"},
        {"christina", "christine", "chris", "tina", "chrissy", "kristina", "kristine", "christiana"},
        {"judith", "judy", "jude"},
        {"sarah", "sara", "sally", "sadie", "sal"},
        {"caroline", "carolyn", "carrie", "carol", "caro"},
        {"josephine", "jo", "josie", "jose"},
        {"louisa", "louise", "lou", "lulu", "lois"},
        {"jacob", "jake", "jakob"},
        {"mohammed", "muhammad", "mohamed", "muhammed", "mohammad", "mhd", "mo", "moe", "mehmet"},
        {"geoffrey", "jeffrey", "geoff", "jeff", "jeffery"},
        {"george", "georgie", "geordie", "georg"},
        {"agnes", "aggie", "nessie"},
        {"amanda", "mandy", "manda"},
        {"barbara", "barb", "babs", "barbie"},
        {"beatrice", "bea", "trixie", "beatrix"},
        {"cynthia", "cindy"},
        {"florence", "flo", "flossie", "florrie"},
        {"frances", "fran", "fanny", "frankie", "francie"},
        {"gertrude", "gertie", "trudy", "trudie"},
        {"harriet", "hattie", "harriett"},
        {"henrietta", "hetty", "etta", "hettie"},
        {"joan", "joanie", "joanna", "joanne"},
        {"martha", "mattie", "patty", "marty"},
        {"matilda", "tilly", "maud", "tilda", "mattie"},
        {"philip", "phil", "pip", "phillip"},
        {"reginald", "reg", "reggie", "rex"},
        {"rodney", "rod", "roddy"},
        {"roderick", "rod", "roddy", "rory", "ray"},
        {"sebastian", "seb", "bastian"},
        {"solomon", "sol"},
        {"stanley", "stan"},
        {"terence", "terry", "terrence"},
        {"vincent", "vince", "vinny", "vin"},
        {"wilfred", "wilf", "fred"},
        {"winifred", "winnie", "freda"},
        {"archibald", "archie", "archy"},
        {"herbert", "herb", "bert", "herbie"},
        {"hubert", "bert", "hugh"},
        {"gilbert", "gil", "bert"},
        {"percival", "percy"},
        {"montague", "monty"},
        {"edmund", "ed", "ned", "eddie", "edmond"},
        {"edwin", "ed", "eddie", "ned"},
        {"eugene", "gene"},
        {"clifford", "cliff"},
        {"cornelius", "neil", "con"},
        {"dominic", "dom"},
        {"ernest", "ernie"},
        {"hugh", "hughie", "hugo"},
        {"jeremiah", "jeremy", "jerry"},
        {"leopold", "leo", "poldi"},
        {"maximilian", "max", "maxi"},
        {"nicola", "nicky", "nikki"},
        {"oliver", "ollie", "noll"},
        {"randolph", "randy", "randall"},
        {"samantha", "sam", "sammy"},
        {"thaddeus", "thad", "tad"},
        {"ulysses", "lyss"},
        {"valentine", "val"},
        {"wilhelmina", "mina", "willa"},
        {"emily", "em", "emmy", "millie"},
        {"emma", "em", "emmy"},
        {"amelia", "millie", "amy", "emily"},
        {"mildred", "millie", "milly"},
        {"lillian", "lily", "lil", "lilly"},
        {"isabella", "isabel", "bella", "izzy", "isobel", "belle"},
        {"annabelle", "anabella", "annabel", "belle", "anna"},
        {"leigh", "lee", "lea"},
        {"augusta", "gussie", "augustina"},
        {"jessica", "jess", "jessie"},
        {"janet", "jan", "jenny", "netta"},
        {"abigail", "abby", "abbie", "gail"},
        {"adelaide", "addie", "della"},
        {"alice", "allie", "elsie"},
        {"anastasia", "anastassia", "nastassia", "stacy", "stacey", "tasia"},
        {"kaylee", "keeley", "kayleigh", "kaley"},
        {"howard", "howie", "howy"},
        {"kristen", "kristin", "kirsten", "kristy", "kris"},
    };
    auto* idx = new std::map<std::string, std::vector<int>, std::less<>>;
    for (std::size_t g = 0; g < groups.size(); ++g)
      for (const char* name : groups[g]) (*idx)[name].push_back(static_cast<int>(g));
    return idx;
  }();
  return *index;
}

const std::map<std::string, std::string, std::less<>>& StreetAbbreviations() {
  static const std::map<std::string, std::string, std::less<>> table = {
      {"apt", "apartment"}, {"appt", "apartment"}, {"av", "avenue"},   {"ave", "avenue"},
      {"bld", "building"},  {"bldg", "building"},  {"blvd", "boulevard"}, {"cct", "circuit"},
      {"cir", "circle"},    {"cl", "close"},       {"cres", "crescent"}, {"crt", "court"},
      {"ct", "court"},      {"dr", "drive"},       {"e", "east"},        {"hwy", "highway"},
      {"ln", "lane"},       {"mt", "mount"},       {"n", "north"},       {"pde", "parade"},
      {"pkwy", "parkway"},  {"pl", "place"},       {"rd", "road"},       {"s", "south"},
      {"sq", "square"},     {"st", "street"},      {"ste", "suite"},     {"str", "street"},
      {"strasse", "street"}, {"tce", "terrace"},   {"ul", "street"},     {"w", "west"},
  };
  return table;
}

const icu::Normalizer2& Nfd() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(status);
    return U_SUCCESS(status) ? n : nullptr;
  }();
  return *instance;
}

// ICU transliterators are not safe to share between threads; one per thread.
const icu::Transliterator* ToLatinTransliterator() {
  thread_local const std::unique_ptr<icu::Transliterator> instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(
        icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
    if (U_FAILURE(status)) t.reset();
    return t;
  }();
  return instance.get();
}

struct Ymd {
  int y = 0, m = 0, d = 0;
};

bool ParseIso(std::string_view s, Ymd& out) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto num = [&](std::size_t at, std::size_t n, int& v) {
    v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  return num(0, 4, out.y) && num(5, 2, out.m) && num(8, 2, out.d);
}

long DayNumber(const Ymd& d) {
  using namespace std::chrono;
  const year_month_day ymd{year{d.y}, month{static_cast<unsigned>(d.m)}, day{static_cast<unsigned>(d.d)}};
  return static_cast<long>(sys_days{ymd}.time_since_epoch().count());
}

}  // namespace

std::u32string ToCodePoints(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  const auto* p = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto n = static_cast<int32_t>(utf8.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    out.push_back(c < 0 ? kReplacement : static_cast<char32_t>(c));
  }
  return out;
}

std::string ToUtf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size() * 3);
  for (char32_t c : code_points) {
    uint8_t buf[4];
    int32_t len = 0;
    UBool error = false;
    U8_APPEND(buf, len, 4, static_cast<UChar32>(c), error);
    if (error) continue;
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  }
  return out;
}

double JaroWinkler(std::u32string_view a, std::u32string_view b) { return JaroWinklerImpl(a, b); }

double JaroWinkler(std::string_view a, std::string_view b) {
  if (a == b) return 1.0;
  if (IsAscii(a) && IsAscii(b)) return JaroWinklerImpl(a, b);
  const std::u32string ca = ToCodePoints(a), cb = ToCodePoints(b);
  return JaroWinklerImpl(std::u32string_view(ca), std::u32string_view(cb));
}

int DamerauLevenshtein(std::u32string_view a, std::u32string_view b, int max_distance) {
  return DamerauLevenshteinImpl(a, b, max_distance);
}

int DamerauLevenshtein(std::string_view a, std::string_view b, int max_distance) {
  if (a == b) return 0;
  if (IsAscii(a) && IsAscii(b)) return DamerauLevenshteinImpl(a, b, max_distance);
  const std::u32string ca = ToCodePoints(a), cb = ToCodePoints(b);
  return DamerauLevenshteinImpl(std::u32string_view(ca), std::u32string_view(cb), max_distance);
}

bool IsHangulSyllable(char32_t c) { return c >= kSyllableFirst && c <= kSyllableLast; }

bool ContainsHangul(std::string_view utf8) {
  if (IsAscii(utf8)) return false;
  for (char32_t c : ToCodePoints(utf8)) {
    if (IsHangulSyllable(c) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
        (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF))
      return true;
  }
  return false;
}

std::u32string HangulToJamo(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString decomposed = Nfd().normalize(
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size()))), status);
  if (U_FAILURE(status)) return ToCodePoints(utf8);
  std::u32string out;
  out.reserve(static_cast<std::size_t>(decomposed.length()));
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    out.push_back(static_cast<char32_t>(c));
    i += U16_LENGTH(c);
  }
  return out;
}

std::string RomanizeHangul(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  std::u32string rest;
  for (char32_t c : ToCodePoints(utf8)) {
    if (!IsHangulSyllable(c)) {
      rest.assign(1, c);
      out += ToUtf8(rest);
      continue;
    }
    const unsigned s = static_cast<unsigned>(c - kSyllableFirst);
    out += kInitials[s / 588];
    out += kMedials[(s % 588) / 28];
    out += kFinals[s % 28];
  }
  return out;
}

const std::vector<std::string>& SurnameRomanizations(std::string_view hangul_surname) {
  static const std::vector<std::string> kNone;
  const auto& table = SurnameTable();
  const auto it = table.find(hangul_surname);
  return it == table.end() ? kNone : it->second;
}

std::string LooseRomanKey(std::string_view latin) {
  std::string s;
  for (char raw : latin) {
    char c = raw;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') s.push_back(c);
  }
  // Longest patterns first; each replacement is applied left to right.
  static const std::array<std::pair<std::string_view, std::string_view>, 14> kRules = {{
      {"tch", "j"}, {"sh", "s"}, {"ch", "j"}, {"eo", "u"}, {"oo", "u"}, {"ou", "u"}, {"ee", "i"},
      {"oe", "oi"}, {"wu", "u"}, {"k", "g"}, {"t", "d"}, {"p", "b"}, {"r", "l"}, {"ae", "e"},
  }};
  for (const auto& [from, to] : kRules) {
    std::string next;
    next.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
      if (s.compare(i, from.size(), from) == 0) {
        next.append(to);
        i += from.size();
      } else {
        next.push_back(s[i++]);
      }
    }
    s = std::move(next);
  }
  // Doubled letters carry no distinction across spelling systems.
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

std::string LatinKey(std::string_view utf8) {
  if (IsAscii(utf8)) return AlnumWords(utf8);
  if (ContainsHangul(utf8)) return AlnumWords(RomanizeHangul(utf8));
  icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  if (const icu::Transliterator* t = ToLatinTransliterator()) t->transliterate(u);
  std::string latin;
  u.toUTF8String(latin);
  return AlnumWords(latin);
}

std::vector<int> NicknameGroups(std::string_view name) {
  const auto& index = NicknameIndex();
  const auto it = index.find(name);
  return it == index.end() ? std::vector<int>{} : it->second;
}

bool IsNicknamePair(std::string_view a, std::string_view b) {
  if (a == b) return false;
  const std::vector<int> ga = NicknameGroups(a), gb = NicknameGroups(b);
  for (int g : ga)
    if (std::binary_search(gb.begin(), gb.end(), g)) return true;
  return false;
}

std::vector<std::string> AddressTokens(std::string_view normalised_address) {
  std::vector<std::string> tokens;
  const std::u32string cps = ToCodePoints(normalised_address);
  std::u32string token;
  const auto& abbreviations = StreetAbbreviations();
  auto flush = [&] {
    if (token.empty()) return;
    std::string t = ToUtf8(token);
    token.clear();
    if (const auto it = abbreviations.find(t); it != abbreviations.end()) t = it->second;
    tokens.push_back(std::move(t));
  };
  for (char32_t c : cps) {
    if (u_isalnum(static_cast<UChar32>(c))) {
      token.push_back(static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
    } else if (c != '\'') {
      flush();
    }
  }
  flush();
  return tokens;
}

TokenSetScore TokenSetSimilarity(const std::vector<std::string>& a_in, const std::vector<std::string>& b_in) {
  std::vector<std::string> a = a_in, b = b_in;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return SortedTokenSetSimilarity(a, b);
}

TokenSetScore SortedTokenSetSimilarity(const std::vector<std::string>& a_in, const std::vector<std::string>& b_in) {
  TokenSetScore score;
  if (a_in.empty() || b_in.empty()) return score;
  // The greedy pairing below visits a's words first: the smaller list is a,
  // so (x, y) and (y, x) pair alike.
  const bool swap = b_in < a_in;
  const std::vector<std::string>& a = swap ? b_in : a_in;
  const std::vector<std::string>& b = swap ? a_in : b_in;
  auto is_number = [](const std::string& t) { return !t.empty() && t[0] >= '0' && t[0] <= '9'; };

  bool a_has_number = false, b_has_number = false, shared_number = false;
  for (const auto& t : a) a_has_number = a_has_number || is_number(t);
  for (const auto& t : b) b_has_number = b_has_number || is_number(t);

  std::vector<char> a_used(a.size(), 0), b_used(b.size(), 0);
  std::size_t matched = 0;
  // Exact matches: a multiset intersection of two sorted lists.
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) {
      a_used[i] = b_used[j] = 1;
      shared_number = shared_number || is_number(a[i]);
      ++matched, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  // Fuzzy matches among the words left, best first. A cheap bound skips
  // pairs that cannot reach 0.9: Jaro counts at most the characters of each
  // word that occur in the other at all.
  auto mask = [](const std::string& t) {
    uint64_t m = 0;
    for (char c : t) m |= uint64_t{1} << (static_cast<unsigned char>(c) & 63);
    return m;
  };
  auto could_reach = [&](const std::string& x, const std::string& y, uint64_t mx, uint64_t my) {
    const uint64_t shared = mx & my;
    std::size_t in_x = 0, in_y = 0;
    for (char c : x) in_x += (shared >> (static_cast<unsigned char>(c) & 63)) & 1;
    for (char c : y) in_y += (shared >> (static_cast<unsigned char>(c) & 63)) & 1;
    const double m = static_cast<double>(std::min(in_x, in_y));
    const double jaro = (m / static_cast<double>(x.size()) + m / static_cast<double>(y.size()) + 1.0) / 3.0;
    return jaro + 0.4 * (1.0 - jaro) >= 0.9;
  };
  std::vector<uint64_t> b_masks(b.size());
  for (std::size_t j = 0; j < b.size(); ++j) b_masks[j] = mask(b[j]);
  std::vector<std::tuple<double, std::size_t, std::size_t>> candidates;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a_used[i] || is_number(a[i]) || a[i].size() < 3) continue;
    const uint64_t a_mask = mask(a[i]);
    for (std::size_t j = 0; j < b.size(); ++j) {
      if (b_used[j] || is_number(b[j]) || b[j].size() < 3) continue;
      if (!could_reach(a[i], b[j], a_mask, b_masks[j])) continue;
      const double s = JaroWinkler(a[i], b[j]);
      if (s >= 0.9) candidates.emplace_back(-s, i, j);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  for (const auto& [neg, i, j] : candidates) {
    if (a_used[i] || b_used[j]) continue;
    a_used[i] = b_used[j] = 1;
    ++matched;
  }
  const double m = static_cast<double>(matched);
  score.dice = 2.0 * m / static_cast<double>(a.size() + b.size());
  score.overlap = m / static_cast<double>(std::min(a.size(), b.size()));
  score.numbers_conflict = a_has_number && b_has_number && !shared_number;
  return score;
}

DateLevel CompareDates(std::string_view a, std::string_view b) {
  if (a == b) return DateLevel::kExact;
  Ymd x, y;
  if (!ParseIso(a, x) || !ParseIso(b, y)) return DateLevel::kDifferent;
  // YYYYMMDD digits: one substitution, or one swap of adjacent digits.
  std::array<char, 8> da{}, db{};
  for (std::size_t i = 0, k = 0; i < 10; ++i) {
    if (i == 4 || i == 7) continue;
    da[k] = a[i];
    db[k++] = b[i];
  }
  std::size_t diffs = 0, first = 0;
  for (std::size_t i = 0; i < 8; ++i)
    if (da[i] != db[i] && diffs++ == 0) first = i;
  if (diffs == 1 || (diffs == 2 && first + 1 < 8 && da[first] == db[first + 1] && da[first + 1] == db[first]))
    return DateLevel::kOneDigit;
  if (x.y == y.y && x.m == y.d && x.d == y.m) return DateLevel::kDayMonthSwapped;
  if (x.y == y.y && x.m == y.m) return DateLevel::kSameYearMonth;
  const long days = DayNumber(x) - DayNumber(y);
  if (days <= 366 && days >= -366) return DateLevel::kWithinYear;
  return DateLevel::kDifferent;
}

std::string NationalNumber(std::string_view e164) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  // A stored phone is E.164 as the library formats it: '+', the country
  // calling code, the national significant number. Calling codes are
  // prefix-free, so the first prefix the library knows as one is the code,
  // and what follows is the number, without a parse (its regular expressions
  // were most of preparing a record for matching).
  const bool plain = e164.size() > 4 && e164.size() <= 16 && e164[0] == '+' && e164[1] != '0' &&
                     std::all_of(e164.begin() + 1, e164.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (plain) {
    int code = 0;
    std::string region;
    for (std::size_t digits = 1; digits <= 3; ++digits) {
      code = code * 10 + (e164[digits] - '0');
      util.GetRegionCodeForCountryCode(code, &region);
      if (region == "ZZ") continue;
      // A leading zero may be a national prefix left in (the parse strips
      // it) or part of the number (Italy keeps it): the parse decides.
      if (e164[1 + digits] == '0') break;
      return std::string(e164.substr(1 + digits));
    }
  }
  PhoneNumber number;
  std::string nsn;
  if (util.Parse(std::string(e164), "ZZ", &number) == PhoneNumberUtil::NO_PARSING_ERROR)
    util.GetNationalSignificantNumber(number, &nsn);
  if (nsn.empty())
    for (char c : e164)
      if (c >= '0' && c <= '9') nsn.push_back(c);
  return nsn;
}

PhoneLevel ComparePhones(std::string_view a, std::string_view b) {
  if (a == b) return PhoneLevel::kExact;
  return ComparePhones(a, NationalNumber(a), b, NationalNumber(b));
}

PhoneLevel ComparePhones(std::string_view a, std::string_view na, std::string_view b, std::string_view nb) {
  if (a == b) return PhoneLevel::kExact;
  if (na.size() != nb.size() || na.empty()) return PhoneLevel::kDifferent;
  if (na == nb) return PhoneLevel::kOneEdit;  // same number under another country code
  std::size_t first = 0, diffs = 0;
  for (std::size_t i = 0; i < na.size(); ++i) {
    if (na[i] == nb[i]) continue;
    if (diffs++ == 0) first = i;
  }
  if (diffs == 1) return PhoneLevel::kOneEdit;
  if (diffs == 2 && first + 1 < na.size() && na[first] == nb[first + 1] && na[first + 1] == nb[first])
    return PhoneLevel::kOneEdit;
  return PhoneLevel::kDifferent;
}

EmailLevel CompareEmails(std::string_view a, std::string_view b) {
  if (a == b) return EmailLevel::kExact;
  const std::string_view la = a.substr(0, a.find('@')), lb = b.substr(0, b.find('@'));
  if (la == lb) return EmailLevel::kSameLocalPart;
  if (la.size() >= 3 && lb.size() >= 3 &&
      (JaroWinkler(la, lb) >= 0.9 || DamerauLevenshtein(la, lb, 2) <= 2))
    return EmailLevel::kSimilarLocalPart;
  return EmailLevel::kDifferent;
}

}  // namespace seam::identity
