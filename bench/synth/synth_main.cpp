// seam_synth: writes a synthetic Korean customer data set to a directory.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "synth.h"

namespace {

namespace fs = std::filesystem;
using seam::synth::Options;

constexpr const char* kUsage = R"(usage: seam_synth --out DIR [options]

Writes DIR/persons.csv, DIR/segment/batch-NNNNNN.json (or DIR/segment.ndjson),
DIR/pos.csv, DIR/crm.csv and DIR/truth.csv (record_key,person_id).

  --seed N             random seed (default 1); same seed and options, same bytes
  --persons N          persons to generate (default 10000)
  --pos-rows N         POS rows (default 10 x persons)
  --batch-size N       Segment messages per batch (default 100)
  --segment-lines      write all batches to DIR/segment.ndjson, one per line
  --encoding E         utf8 | cp949 for pos.csv and crm.csv (default utf8)
  --line-ending L      crlf | lf (default crlf)
  --bom                UTF-8 byte order mark on the CSV files
  --start YYYY-MM-DD   first day of the period (default 2024-01-01)
  --days N             length of the period (default 366)
  --no-segment, --no-pos, --no-crm   skip that output
  --set NAME=VALUE     any rate or count of synth::Options, e.g. --set twin_rate=0.02
                       (names as in bench/synth/synth.h; repeatable)
)";

using Field = std::variant<double Options::*, std::size_t Options::*>;
struct Setting {
  const char* name;
  Field field;
};
const Setting kSettings[] = {
    {"member_rate", &Options::member_rate},
    {"user_rate", &Options::user_rate},
    {"email_rate", &Options::email_rate},
    {"second_email_rate", &Options::second_email_rate},
    {"card_rate", &Options::card_rate},
    {"twin_rate", &Options::twin_rate},
    {"lookalike_rate", &Options::lookalike_rate},
    {"mover_rate", &Options::mover_rate},
    {"two_phone_rate", &Options::two_phone_rate},
    {"shared_phone_rate", &Options::shared_phone_rate},
    {"junk_rate", &Options::junk_rate},
    {"online_anonymous_rate", &Options::online_anonymous_rate},
    {"newsletter_rate", &Options::newsletter_rate},
    {"second_device_rate", &Options::second_device_rate},
    {"alias_rate", &Options::alias_rate},
    {"kiosk_rate", &Options::kiosk_rate},
    {"kiosks", &Options::kiosks},
    {"sessions_mean", &Options::sessions_mean},
    {"numeric_user_id_rate", &Options::numeric_user_id_rate},
    {"stores", &Options::stores},
    {"pos_anonymous_rate", &Options::pos_anonymous_rate},
    {"pos_return_rate", &Options::pos_return_rate},
    {"pos_store_phone_rate", &Options::pos_store_phone_rate},
    {"pos_phone_typo_rate", &Options::pos_phone_typo_rate},
    {"pos_split_rate", &Options::pos_split_rate},
    {"crm_extra_rate", &Options::crm_extra_rate},
    {"crm_duplicate_rate", &Options::crm_duplicate_rate},
    {"crm_correction_rate", &Options::crm_correction_rate},
};

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool Set(Options& o, std::string_view assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos) return false;
  const std::string_view name = assignment.substr(0, eq);
  const std::string value(assignment.substr(eq + 1));
  for (const Setting& s : kSettings) {
    if (name != s.name) continue;
    if (const auto* d = std::get_if<double Options::*>(&s.field)) {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0') return false;
      o.*(*d) = v;
      return true;
    }
    uint64_t v = 0;
    if (!ParseU64(value, &v)) return false;
    o.*std::get<std::size_t Options::*>(s.field) = v;
    return true;
  }
  return false;
}

struct Timer {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
};

void Report(const char* what, const seam::synth::WriteStats& s, const char* unit, double seconds) {
  const double mb = static_cast<double>(s.bytes) / 1e6;
  std::printf("%-12s %10llu records %10llu %-7s %9.1f MB %7.2f s %7.1f MB/s\n", what,
              static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.rows),
              unit, mb, seconds, seconds > 0 ? mb / seconds : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::string out_dir;
  uint64_t pos_rows = 0;
  bool pos_rows_given = false;
  uint64_t batch_size = 100;
  bool segment_lines = false, segment = true, pos = true, crm = true;
  seam::synth::CsvFormat format;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto usage = [](const std::string& why) {
    if (!why.empty()) std::fprintf(stderr, "seam_synth: %s\n", why.c_str());
    std::fputs(kUsage, stderr);
    return 2;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string_view* v) {
      if (i + 1 >= args.size()) return false;
      *v = args[++i];
      return true;
    };
    std::string_view v;
    uint64_t n = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--out") {
      if (!value(&v)) return usage("--out needs a directory");
      out_dir = std::string(v);
    } else if (a == "--seed" || a == "--persons" || a == "--pos-rows" || a == "--batch-size" ||
               a == "--days") {
      if (!value(&v) || !ParseU64(v, &n)) return usage(std::string(a) + " needs a number");
      if (a == "--seed") options.seed = n;
      if (a == "--persons") options.persons = n;
      if (a == "--pos-rows") pos_rows = n, pos_rows_given = true;
      if (a == "--batch-size") batch_size = n;
      if (a == "--days") options.days = static_cast<int>(std::min<uint64_t>(n, 1u << 20));
    } else if (a == "--start") {
      int y = 0, m = 0, d = 0;
      if (!value(&v) || std::sscanf(std::string(v).c_str(), "%d-%d-%d", &y, &m, &d) != 3)
        return usage("--start needs YYYY-MM-DD");
      options.start = {y, m, d};
    } else if (a == "--encoding") {
      if (!value(&v)) return usage("--encoding needs utf8 or cp949");
      if (v == "utf8" || v == "utf-8") {
        format.encoding = seam::synth::Encoding::kUtf8;
      } else if (v == "cp949" || v == "euc-kr") {
        format.encoding = seam::synth::Encoding::kCp949;
      } else {
        return usage("--encoding needs utf8 or cp949");
      }
    } else if (a == "--line-ending") {
      if (!value(&v) || (v != "crlf" && v != "lf")) return usage("--line-ending needs crlf or lf");
      format.line_ending = v == "lf" ? seam::synth::LineEnding::kLf : seam::synth::LineEnding::kCrLf;
    } else if (a == "--bom") {
      format.bom = true;
    } else if (a == "--segment-lines") {
      segment_lines = true;
    } else if (a == "--no-segment") {
      segment = false;
    } else if (a == "--no-pos") {
      pos = false;
    } else if (a == "--no-crm") {
      crm = false;
    } else if (a == "--set") {
      if (!value(&v) || !Set(options, v)) return usage("--set needs NAME=VALUE with a known NAME");
    } else {
      return usage("unknown argument " + std::string(a));
    }
  }
  if (out_dir.empty()) return usage("--out is required");
  if (const std::string why = seam::synth::Validate(options); !why.empty()) return usage(why);
  if (!pos_rows_given) pos_rows = 10 * static_cast<uint64_t>(options.persons);
  if (batch_size == 0) return usage("--batch-size must be at least 1");

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "seam_synth: cannot create %s: %s\n", out_dir.c_str(), ec.message().c_str());
    return 1;
  }
  auto open = [&](const fs::path& path, std::ofstream& f) {
    f.open(path, std::ios::binary | std::ios::trunc);
    if (!f) std::fprintf(stderr, "seam_synth: cannot write %s\n", path.c_str());
    return static_cast<bool>(f);
  };

  Timer build;
  const seam::synth::Generator generator(options);
  std::printf("persons      %10zu built in %.2f s\n", generator.persons().size(), build.Seconds());

  std::ofstream truth_file;
  if (!open(fs::path(out_dir) / "truth.csv", truth_file)) return 1;
  seam::synth::TruthWriter truth(truth_file);
  bool ok = true;
  auto check = [&](const char* what, const seam::synth::WriteStats& s) {
    if (!s.ok) {
      std::fprintf(stderr, "seam_synth: %s: %s\n", what, s.error.c_str());
      ok = false;
    }
  };

  {
    std::ofstream f;
    if (!open(fs::path(out_dir) / "persons.csv", f)) return 1;
    Timer t;
    const auto s = generator.WritePersons(f);
    Report("persons.csv", s, "rows", t.Seconds());
    check("persons.csv", s);
  }
  if (segment) {
    Timer t;
    std::ofstream lines;
    const fs::path dir = fs::path(out_dir) / "segment";
    if (segment_lines) {
      if (!open(fs::path(out_dir) / "segment.ndjson", lines)) return 1;
    } else {
      fs::create_directories(dir, ec);
    }
    uint64_t index = 0;
    const auto s = generator.WriteSegmentBatches(
        batch_size,
        [&](const std::string& json) {
          if (segment_lines) {
            lines << json << '\n';
            return static_cast<bool>(lines);
          }
          char name[32];
          std::snprintf(name, sizeof name, "batch-%06llu.json", static_cast<unsigned long long>(++index));
          std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
          f << json;
          return static_cast<bool>(f);
        },
        &truth);
    Report("segment", s, "batches", t.Seconds());
    check("segment", s);
  }
  if (pos) {
    std::ofstream f;
    if (!open(fs::path(out_dir) / "pos.csv", f)) return 1;
    Timer t;
    const auto s = generator.WritePos(f, format, pos_rows, &truth);
    Report("pos.csv", s, "rows", t.Seconds());
    check("pos.csv", s);
  }
  if (crm) {
    std::ofstream f;
    if (!open(fs::path(out_dir) / "crm.csv", f)) return 1;
    Timer t;
    const auto s = generator.WriteCrm(f, format, &truth);
    Report("crm.csv", s, "rows", t.Seconds());
    check("crm.csv", s);
  }
  truth.Flush();
  truth_file.flush();
  if (!truth_file) {
    std::fprintf(stderr, "seam_synth: writing truth.csv failed\n");
    ok = false;
  }
  std::printf("truth.csv    %10llu records\n", static_cast<unsigned long long>(truth.records()));
  return ok ? 0 : 1;
}
