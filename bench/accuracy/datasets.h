// Loaders for the labelled person datasets under /work/shared/datasets
// (febrl, splink_fake_1000, splink_fake_20000, senzing_truthset,
// splink_historical_50k) and the Korean synthetic set of bench/synth. Each dataset becomes rows of raw values under
// SPEC §4 column names, with the true person of each row. Each folder's
// README.md fixes the schema and truth encoding these loaders follow.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "seam/status.h"

namespace seam::bench {

struct DatasetRow {
  std::string record_id;
  int truth_cluster = 0;  // dense: two rows are one person iff equal
  // SPEC §4 column -> raw values (phone and email may hold several):
  // first_name, last_name, name, birth_date, gender, postal_code, address,
  // city, email, phone.
  std::map<std::string, std::vector<std::string>> fields;
};

struct Dataset {
  std::string name;
  std::string region;  // phone region of numbers without a country code
  std::vector<DatasetRow> rows;
};

// Names: febrl1 febrl2 febrl3 febrl4 fake_1000 fake_20000 senzing historical_50k,
// and synth_kr: the Korean synthetic CRM export of bench/synth (20,000
// persons, generated in memory with its truth; "synth_kr:N" for N persons).
const std::vector<std::string>& DatasetNames();
Result<Dataset> LoadDataset(const std::string& name, const std::string& root = "/work/shared/datasets");

// RFC 4180 CSV (quotes, embedded commas and newlines) into rows of fields.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text);

}  // namespace seam::bench
