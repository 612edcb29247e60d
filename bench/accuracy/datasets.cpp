#include "datasets.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "synth/synth.h"

namespace seam::bench {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("dataset_missing", "cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Trim(std::string s) {
  const auto not_space = [](unsigned char c) { return !(c == ' ' || c == '\t' || c == '\r' || c == '\n'); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Dense cluster ids in order of first appearance.
class ClusterIds {
 public:
  int Of(const std::string& key) { return ids_.emplace(key, static_cast<int>(ids_.size())).first->second; }

 private:
  std::map<std::string, int> ids_;
};

void Put(DatasetRow& row, const std::string& column, const std::string& raw) {
  std::string v = Trim(raw);
  if (!v.empty()) row.fields[column].push_back(std::move(v));
}

std::map<std::string, std::size_t> HeaderIndex(const std::vector<std::string>& header) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < header.size(); ++i) index[Trim(header[i])] = i;
  return index;
}

std::string Cell(const std::vector<std::string>& row, const std::map<std::string, std::size_t>& index,
                 const std::string& column) {
  const auto it = index.find(column);
  return it == index.end() || it->second >= row.size() ? std::string() : Trim(row[it->second]);
}

// FEBRL: "rec-<N>-org" / "rec-<N>-dup-<k>"; same N = same person. No
// soc_sec_id: customers have no national id.
Status LoadFebrlFile(const std::string& path, ClusterIds& clusters, Dataset& out) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  static const std::regex kRecId(R"(^rec-(\d+)-(org|dup-\d+)$)");
  const auto table = ParseCsv(*text);
  if (table.empty()) return Status::Invalid("dataset_empty", path);
  const auto index = HeaderIndex(table[0]);
  for (std::size_t r = 1; r < table.size(); ++r) {
    const auto& row = table[r];
    if (row.size() < 2) continue;
    DatasetRow d;
    d.record_id = Cell(row, index, "rec_id");
    std::smatch m;
    if (!std::regex_match(d.record_id, m, kRecId)) return Status::Invalid("bad_rec_id", d.record_id);
    d.truth_cluster = clusters.Of(m[1].str());
    Put(d, "first_name", Cell(row, index, "given_name"));
    Put(d, "last_name", Cell(row, index, "surname"));
    std::string address;
    for (const char* part : {"street_number", "address_1", "address_2"}) {
      const std::string v = Cell(row, index, part);
      if (v.empty()) continue;
      if (!address.empty()) address.push_back(' ');
      address += v;
    }
    Put(d, "address", address);
    Put(d, "city", Cell(row, index, "suburb"));
    Put(d, "postal_code", Cell(row, index, "postcode"));
    Put(d, "birth_date", Cell(row, index, "date_of_birth"));
    out.rows.push_back(std::move(d));
  }
  return Status::Ok();
}

Status LoadSplinkFake(const std::string& path, Dataset& out) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  const auto table = ParseCsv(*text);
  if (table.empty()) return Status::Invalid("dataset_empty", path);
  const auto index = HeaderIndex(table[0]);
  ClusterIds clusters;
  for (std::size_t r = 1; r < table.size(); ++r) {
    const auto& row = table[r];
    if (row.size() < 2) continue;
    DatasetRow d;
    d.record_id = Cell(row, index, "unique_id");
    d.truth_cluster = clusters.Of(Cell(row, index, "cluster"));
    Put(d, "first_name", Cell(row, index, "first_name"));
    Put(d, "last_name", Cell(row, index, "surname"));
    Put(d, "birth_date", Cell(row, index, "dob"));
    Put(d, "city", Cell(row, index, "city"));
    Put(d, "email", Cell(row, index, "email"));
    out.rows.push_back(std::move(d));
  }
  return Status::Ok();
}

Status LoadHistorical(const std::string& path, Dataset& out) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  const auto table = ParseCsv(*text);
  if (table.empty()) return Status::Invalid("dataset_empty", path);
  const auto index = HeaderIndex(table[0]);
  ClusterIds clusters;
  for (std::size_t r = 1; r < table.size(); ++r) {
    const auto& row = table[r];
    if (row.size() < 2) continue;
    DatasetRow d;
    d.record_id = Cell(row, index, "unique_id");
    d.truth_cluster = clusters.Of(Cell(row, index, "cluster"));
    Put(d, "name", Cell(row, index, "full_name"));
    Put(d, "first_name", Cell(row, index, "first_name"));
    Put(d, "last_name", Cell(row, index, "surname"));
    Put(d, "birth_date", Cell(row, index, "dob"));
    Put(d, "city", Cell(row, index, "birth_place"));
    Put(d, "postal_code", Cell(row, index, "postcode_fake"));
    Put(d, "gender", Cell(row, index, "gender"));
    out.rows.push_back(std::move(d));
  }
  return Status::Ok();
}

int ToInt(const std::string& s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// Senzing writes birth dates as M/D/YY, M/D/YYYY, D/M/YYYY (when the first
// number cannot be a month), D-Mon-YY, "Mon D YYYY" and ISO. Two-digit years
// up to 25 are 20xx. Returns ISO, or the input when it fits none.
std::string SenzingDate(const std::string& raw) {
  static const std::array<const char*, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};
  auto month_of = [](std::string name) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    for (std::size_t i = 0; i < kMonths.size(); ++i)
      if (name.substr(0, 3) == kMonths[i]) return static_cast<int>(i) + 1;
    return 0;
  };
  auto year_of = [](const std::string& y) {
    const int v = ToInt(y);
    if (y.size() == 2) return v <= 25 ? 2000 + v : 1900 + v;
    return v;
  };
  auto iso = [](int y, int m, int d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
    return std::string(buf);
  };
  std::smatch m;
  static const std::regex kSlash(R"(^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$)");
  static const std::regex kDashMonth(R"(^(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})$)");
  static const std::regex kMonthFirst(R"(^([A-Za-z]{3})[a-z]* (\d{1,2}),? (\d{4})$)");
  if (std::regex_match(raw, m, kSlash)) {
    int a = ToInt(m[1].str()), b = ToInt(m[2].str());
    if (a > 12) std::swap(a, b);  // day first
    return iso(year_of(m[3].str()), a, b);
  }
  if (std::regex_match(raw, m, kDashMonth)) return iso(year_of(m[3].str()), month_of(m[2].str()), ToInt(m[1].str()));
  if (std::regex_match(raw, m, kMonthFirst)) return iso(ToInt(m[3].str()), month_of(m[1].str()), ToInt(m[2].str()));
  return raw;
}

// "Maria Sentosa<msentosa@fmail.com>" -> the address inside the brackets.
std::string SenzingEmail(const std::string& raw) {
  const auto open = raw.find('<'), close = raw.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open)
    return raw.substr(open + 1, close - open - 1);
  return raw;
}

Status LoadSenzing(const std::string& dir, Dataset& out) {
  auto key_text = ReadFile(dir + "/actual_truthset_key.csv");
  if (!key_text.ok()) return key_text.status();
  std::map<std::string, std::string> truth;  // "SOURCE/ID" -> cluster
  const auto key_table = ParseCsv(*key_text);
  if (key_table.empty()) return Status::Invalid("dataset_empty", "truth key");
  const auto key_index = HeaderIndex(key_table[0]);
  for (std::size_t r = 1; r < key_table.size(); ++r) {
    const auto& row = key_table[r];
    if (row.size() < 4) continue;
    truth[Cell(row, key_index, "DATA_SOURCE") + "/" + Cell(row, key_index, "RECORD_ID")] =
        Cell(row, key_index, "CLUSTER_ID");
  }
  ClusterIds clusters;
  for (const char* file : {"customers.jsonl", "reference.jsonl", "watchlist.jsonl"}) {
    auto text = ReadFile(dir + "/" + file);
    if (!text.ok()) return text.status();
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
      if (Trim(line).empty()) continue;
      const nlohmann::json doc = nlohmann::json::parse(line, nullptr, false);
      if (doc.is_discarded()) return Status::Invalid("bad_jsonl", file);
      DatasetRow d;
      d.record_id = doc.value("DATA_SOURCE", "") + "/" + doc.value("RECORD_ID", "");
      const auto t = truth.find(d.record_id);
      if (t == truth.end()) return Status::Invalid("record_without_truth", d.record_id);
      d.truth_cluster = clusters.Of(t->second);
      bool have_name = false;
      for (const auto& f : doc.value("FEATURES", nlohmann::json::array())) {
        auto get = [&](const char* k) { return f.contains(k) && f[k].is_string() ? f[k].get<std::string>() : ""; };
        // The first name feature is the primary name; later ones are AKAs.
        if (!have_name && (f.contains("NAME_LAST") || f.contains("NAME_FIRST"))) {
          Put(d, "first_name", get("NAME_FIRST"));
          Put(d, "last_name", get("NAME_LAST"));
          have_name = true;
        } else if (!have_name && (f.contains("NAME_FULL") || f.contains("NAME_ORG"))) {
          Put(d, "name", f.contains("NAME_FULL") ? get("NAME_FULL") : get("NAME_ORG"));
          have_name = true;
        }
        if (f.contains("DATE_OF_BIRTH")) Put(d, "birth_date", SenzingDate(Trim(get("DATE_OF_BIRTH"))));
        if (f.contains("GENDER")) Put(d, "gender", get("GENDER"));
        if (f.contains("ADDR_LINE1")) Put(d, "address", get("ADDR_LINE1"));
        if (f.contains("ADDR_FULL")) Put(d, "address", get("ADDR_FULL"));
        if (f.contains("ADDR_CITY")) Put(d, "city", get("ADDR_CITY"));
        if (f.contains("ADDR_POSTAL_CODE")) Put(d, "postal_code", get("ADDR_POSTAL_CODE"));
        if (f.contains("PHONE_NUMBER")) Put(d, "phone", get("PHONE_NUMBER"));
        if (f.contains("EMAIL_ADDRESS")) Put(d, "email", SenzingEmail(get("EMAIL_ADDRESS")));
      }
      out.rows.push_back(std::move(d));
    }
  }
  return Status::Ok();
}

// The Korean synthetic CRM export (bench/synth): persons in households with
// twins, look-alikes, movers and shared phones; duplicates are second
// customer_ids of one person. A correction repeats its customer_id and
// replaces the earlier row. member_id is left out: a loyalty number is a
// deterministic key, and this measures the probabilistic matcher.
Status LoadSynthKr(Dataset& out, uint64_t persons) {
  synth::Options options;
  options.persons = persons;
  const synth::Generator generator(options);
  std::ostringstream crm, truth_csv;
  synth::TruthWriter truth_writer(truth_csv);
  const synth::WriteStats stats =
      generator.WriteCrm(crm, synth::CsvFormat{synth::Encoding::kUtf8, synth::LineEnding::kLf, false}, &truth_writer);
  truth_writer.Flush();
  if (!stats.ok) return Status::Internal("synthetic CRM: " + stats.error);
  std::map<std::string, std::string> person_of;  // customer_id -> person id
  const auto truth_table = ParseCsv(truth_csv.str());
  for (std::size_t r = 1; r < truth_table.size(); ++r)
    if (truth_table[r].size() == 2 && truth_table[r][0].rfind("crm:", 0) == 0)
      person_of[truth_table[r][0].substr(4)] = truth_table[r][1];
  const auto table = ParseCsv(crm.str());
  if (table.empty()) return Status::Invalid("dataset_empty", "synthetic CRM");
  const auto index = HeaderIndex(table[0]);
  std::map<std::string, std::size_t> row_of;  // customer_id -> index into out.rows
  ClusterIds clusters;
  for (std::size_t r = 1; r < table.size(); ++r) {
    const auto& row = table[r];
    DatasetRow d;
    d.record_id = Cell(row, index, "customer_id");
    const auto person = person_of.find(d.record_id);
    if (person == person_of.end()) return Status::Invalid("record_without_truth", d.record_id);
    d.truth_cluster = clusters.Of(person->second);
    for (const char* column : {"name", "first_name", "last_name", "birth_date", "gender", "postal_code", "address",
                               "city", "phone", "email"})
      Put(d, column, Cell(row, index, column));
    const auto [at, fresh] = row_of.emplace(d.record_id, out.rows.size());
    if (fresh) out.rows.push_back(std::move(d));
    else out.rows[at->second] = std::move(d);
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  std::size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(std::move(field));
        rows.push_back(std::move(row));
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field.push_back(c);
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

const std::vector<std::string>& DatasetNames() {
  static const std::vector<std::string> names = {"febrl1", "febrl2", "febrl3", "febrl4", "fake_1000",
                                                 "fake_20000", "senzing", "historical_50k", "synth_kr"};
  return names;
}

Result<Dataset> LoadDataset(const std::string& name, const std::string& root) {
  Dataset d;
  d.name = name;
  Status s = Status::Ok();
  if (name == "febrl1" || name == "febrl2" || name == "febrl3") {
    d.region = "AU";
    ClusterIds clusters;
    s = LoadFebrlFile(root + "/febrl/dataset" + name.substr(5) + ".csv", clusters, d);
  } else if (name == "febrl4") {
    // Two files to link, loaded as one dedupe set: rec-N-org in 4a and
    // rec-N-dup-0 in 4b are the same person.
    d.region = "AU";
    ClusterIds clusters;
    s = LoadFebrlFile(root + "/febrl/dataset4a.csv", clusters, d);
    if (s.ok()) s = LoadFebrlFile(root + "/febrl/dataset4b.csv", clusters, d);
  } else if (name == "fake_1000") {
    d.region = "GB";
    s = LoadSplinkFake(root + "/splink_fake_1000/fake_1000.csv", d);
  } else if (name == "fake_20000") {
    d.region = "GB";
    s = LoadSplinkFake(root + "/splink_fake_20000/fake_20000_from_splink_demos.csv", d);
  } else if (name == "senzing") {
    d.region = "US";
    s = LoadSenzing(root + "/senzing_truthset", d);
  } else if (name == "synth_kr" || name.rfind("synth_kr:", 0) == 0) {
    // "synth_kr:N" generates N persons instead of 20,000: how blocks and
    // candidates grow with the base.
    d.region = "KR";
    const std::string n = name.size() > 9 ? name.substr(9) : "20000";
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 9)
      return Status::Invalid("bad_dataset", "synth_kr:N takes a person count");
    s = LoadSynthKr(d, std::stoull(n));
  } else if (name == "historical_50k") {
    d.region = "GB";
    s = LoadHistorical(root + "/splink_historical_50k/historical_figures_with_errors_50k.csv", d);
  } else {
    return Status::NotFound("unknown_dataset", name);
  }
  if (!s.ok()) return s;
  return d;
}

}  // namespace seam::bench
