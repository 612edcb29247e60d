// The streaming CSV / NDJSON readers of offline import: RFC 4180 cases,
// physical line numbers, errors with resync, limits with bounded memory, and
// rows identical whatever the chunking of the upload.
#include "ingest/csv_reader.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace seam::ingest {
namespace {

std::string Escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// One line per row: "<line>: [f1|f2]" plus " ! <error> @<column>".
std::string Render(const std::vector<CsvRow>& rows) {
  std::string out;
  for (const CsvRow& row : rows) {
    out += std::to_string(row.line) + ": [";
    for (std::size_t i = 0; i < row.fields.size(); ++i) {
      if (i > 0) out += '|';
      out += Escape(row.fields[i]);
    }
    out += ']';
    if (row.error) out += " ! " + *row.error + " @" + std::to_string(row.error_column);
    out += '\n';
  }
  return out;
}

// Feeds `input` in pieces of the given sizes (cycled), then finishes.
std::vector<CsvRow> ParseChunked(std::string_view input, const std::vector<std::size_t>& sizes,
                                 const CsvOptions& options = {}) {
  std::vector<CsvRow> rows;
  CsvReader reader(
      [&](const CsvRow& row) {
        rows.push_back(row);
        return true;
      },
      options);
  std::size_t next = 0;
  for (std::size_t pos = 0; pos < input.size();) {
    const std::size_t n = std::min(sizes[next++ % sizes.size()], input.size() - pos);
    reader.Feed(input.substr(pos, n));
    pos += n;
  }
  reader.Finish();
  return rows;
}

// Rendered rows of `input` fed whole; the same input fed one byte at a time
// and in pieces of 2 and 3 bytes must give the same rows.
std::string Csv(std::string_view input, const CsvOptions& options = {}) {
  const std::string whole = Render(ParseChunked(input, {input.size() + 1}, options));
  EXPECT_EQ(whole, Render(ParseChunked(input, {1}, options))) << "byte by byte";
  EXPECT_EQ(whole, Render(ParseChunked(input, {2, 3}, options))) << "chunks of 2 and 3";
  return whole;
}

// ---- RFC 4180 ----

TEST(CsvReaderTest, PlainRows) {
  EXPECT_EQ(Csv("id,name,amount\n1,kim,100\n2,lee,200\n"),
            "1: [id|name|amount]\n2: [1|kim|100]\n3: [2|lee|200]\n");
}

TEST(CsvReaderTest, QuotedFieldsHoldDelimitersAndEscapedQuotes) {
  EXPECT_EQ(Csv("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n"), "1: [a,b|say \"hi\"|\"]\n");
  EXPECT_EQ(Csv("\"plain\",x\n"), "1: [plain|x]\n");
}

TEST(CsvReaderTest, QuotedFieldsHoldLineEndsAndLaterRowsKeepPhysicalLines) {
  EXPECT_EQ(Csv("\"x\ny\",z\n\"p\r\nq\",r\n\"1\r2\r\n3\n4\",s\nlast,row\n"),
            "1: [x\\ny|z]\n"
            "3: [p\\r\\nq|r]\n"
            "5: [1\\r2\\r\\n3\\n4|s]\n"
            "9: [last|row]\n");
}

TEST(CsvReaderTest, LfCrlfAndLoneCrEndRecords) {
  EXPECT_EQ(Csv("a,1\r\nb,2\nc,3\rd,4\r\ne,5"), "1: [a|1]\n2: [b|2]\n3: [c|3]\n4: [d|4]\n5: [e|5]\n");
}

TEST(CsvReaderTest, FinalLineWithoutLineEndIsARow) {
  EXPECT_EQ(Csv("a\nb"), "1: [a]\n2: [b]\n");
  EXPECT_EQ(Csv("a\n\"b\""), "1: [a]\n2: [b]\n");
}

TEST(CsvReaderTest, EmptyFields) {
  EXPECT_EQ(Csv(",,\n"), "1: [||]\n");
  EXPECT_EQ(Csv("a,b,\n"), "1: [a|b|]\n");
  EXPECT_EQ(Csv("a,b,"), "1: [a|b|]\n");
  EXPECT_EQ(Csv("\"\"\n\"\",\"\"\n"), "1: []\n2: [|]\n");
  EXPECT_EQ(Csv(",\"\",\n"), "1: [||]\n");
}

TEST(CsvReaderTest, EmptyLinesAreSkippedButCounted) {
  EXPECT_EQ(Csv("\n\r\n\ra\n\n\nb\r\n\r\n"), "4: [a]\n7: [b]\n");
  EXPECT_EQ(Csv(""), "");
  EXPECT_EQ(Csv("\n\n"), "");
}

TEST(CsvReaderTest, WhiteSpaceLineIsARow) { EXPECT_EQ(Csv(" \n"), "1: [ ]\n"); }

TEST(CsvReaderTest, Utf8BomDroppedAtOffsetZeroOnly) {
  EXPECT_EQ(Csv("\xEF\xBB\xBFid,name\n1,x\n"), "1: [id|name]\n2: [1|x]\n");
  EXPECT_EQ(Csv("\xEF\xBB\xBF\"id\"\n"), "1: [id]\n");
  // Anywhere else the bytes are data.
  EXPECT_EQ(Csv("a\n\xEF\xBB\xBF" "b\n"), "1: [a]\n2: [\xEF\xBB\xBF" "b]\n");
  EXPECT_EQ(Csv("a,\xEF\xBB\xBF\n"), "1: [a|\xEF\xBB\xBF]\n");
  // A start that only looks like a BOM is kept whole.
  EXPECT_EQ(Csv("\xEF\xBBx\n"), "1: [\xEF\xBBx]\n");
  EXPECT_EQ(Csv("\xEF\xBB"), "1: [\xEF\xBB]\n");
  EXPECT_EQ(Csv("\xEF\xBB\xBF"), "");
}

TEST(CsvReaderTest, OtherDelimiters) {
  CsvOptions semicolon;
  semicolon.delimiter = ';';
  EXPECT_EQ(Csv("a;\"b;c\";x,y\n", semicolon), "1: [a|b;c|x,y]\n");
  CsvOptions tab;
  tab.delimiter = '\t';
  EXPECT_EQ(Csv("a\t\"b\tc\"\t\n", tab), "1: [a|b\tc|]\n");
}

TEST(CsvReaderTest, NonAsciiBytesPassThroughUntouched) {
  // UTF-8, then CP949 (김, 똠: trail bytes 0xE8 and 0x63 'c'), then bytes of
  // no encoding at all.
  EXPECT_EQ(Csv("김민수,\"서울, 강남\"\n\xB1\xE8,\x8C\x63\n\xFF\xFE,\x80\n"),
            "1: [김민수|서울, 강남]\n2: [\xB1\xE8|\x8C\x63]\n3: [\xFF\xFE|\x80]\n");
}

// ---- errors and resync ----

TEST(CsvReaderTest, StrayQuoteInUnquotedFieldFailsTheRowOnly) {
  EXPECT_EQ(Csv("ab\"c,d\nok,1\n"),
            "1: [ab] ! stray quote in unquoted field at column 1 @1\n"
            "2: [ok|1]\n");
  EXPECT_EQ(Csv("a,5\" tv,b\r\nok\r\n"),
            "1: [a|5] ! stray quote in unquoted field at column 2 @2\n"
            "2: [ok]\n");
}

TEST(CsvReaderTest, ResyncHonoursQuotedFieldsAfterTheError) {
  // The quoted field after the error still spans two lines; "next" is a
  // record of its own at line 3.
  EXPECT_EQ(Csv("5\" tv,\"a\nb\",c\nnext\n"),
            "1: [5] ! stray quote in unquoted field at column 1 @1\n"
            "3: [next]\n");
}

TEST(CsvReaderTest, CharactersAfterClosingQuoteFailTheRowOnly) {
  EXPECT_EQ(Csv("x,\"abc\"def,\"q\nr\"\ny\n"),
            "1: [x|abc] ! characters after closing quote at column 2 @2\n"
            "3: [y]\n");
  EXPECT_EQ(Csv("\"a\" ,b\nc\n"), "1: [a] ! characters after closing quote at column 1 @1\n2: [c]\n");
}

TEST(CsvReaderTest, UnterminatedQuotedFieldAtEndOfInputIsReportedByFinish) {
  EXPECT_EQ(Csv("a,b\nc,\"open,d\nmore"),
            "1: [a|b]\n"
            "2: [c|open,d\\nmore] ! unterminated quoted field @2\n");
  EXPECT_EQ(Csv("\""), "1: [] ! unterminated quoted field @1\n");
}

TEST(CsvReaderTest, OverlongUnquotedFieldIsCutAtTheLimit) {
  CsvOptions options;
  options.max_field_bytes = 4;
  EXPECT_EQ(Csv("abcd,abcdefgh,x\nnext,1\n", options),
            "1: [abcd|abcd] ! field at column 2 exceeds max_field_bytes (4) @2\n"
            "2: [next|1]\n");
}

TEST(CsvReaderTest, OverlongQuotedFieldIsSkippedUntilItsQuoteClosesAndTheLineEnds) {
  CsvOptions options;
  options.max_field_bytes = 4;
  EXPECT_EQ(Csv("\"abcdef\nghi,\"\"j\"\"\",x,\"y\nz\"\nnext\n", options),
            "1: [abcd] ! field at column 1 exceeds max_field_bytes (4) @1\n"
            "4: [next]\n");
}

TEST(CsvReaderTest, RowLimitCountsFieldContents) {
  CsvOptions options;
  options.max_row_bytes = 6;
  EXPECT_EQ(Csv("abc,def\nabc,def,g\nabcdefgh\nok\n", options),
            "1: [abc|def]\n"
            "2: [abc|def|] ! row exceeds max_row_bytes (6) @0\n"
            "3: [abcdef] ! row exceeds max_row_bytes (6) @0\n"
            "4: [ok]\n");
}

TEST(CsvReaderTest, FieldCountLimit) {
  CsvOptions options;
  options.max_fields = 3;
  EXPECT_EQ(Csv("a,b,c\na,b,c,d\na,b,c,\nz\n", options),
            "1: [a|b|c]\n"
            "2: [a|b|c] ! row has more than 3 fields @0\n"
            "3: [a|b|c] ! row has more than 3 fields @0\n"
            "4: [z]\n");
}

TEST(CsvReaderTest, OnlyTheFirstErrorOfARowIsReported) {
  EXPECT_EQ(Csv("a\"b,\"c\"d\ne\n"), "1: [a] ! stray quote in unquoted field at column 1 @1\n2: [e]\n");
}

TEST(CsvReaderTest, CallbackReturningFalseStopsTheReader) {
  std::vector<std::string> seen;
  CsvReader reader([&](const CsvRow& row) {
    seen.push_back(row.fields[0]);
    return seen.size() < 2;
  });
  reader.Feed("a\nb\nc\n");
  EXPECT_TRUE(reader.stopped());
  reader.Feed("d\n");
  reader.Finish();
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST(CsvReaderTest, FinishDeliversTheLastRecordOnce) {
  int rows = 0;
  CsvReader reader([&](const CsvRow&) {
    ++rows;
    return true;
  });
  reader.Feed("a,b");
  EXPECT_EQ(rows, 0);
  reader.Finish();
  reader.Finish();
  EXPECT_EQ(rows, 1);
}

// ---- memory bound ----

// 50 MB inside one quote that never closes (a file whose first quote is
// unbalanced): the reader must not hold more than one field's limit.
TEST(CsvReaderTest, UnclosedQuoteOverFiftyMegabytesStaysWithinTheFieldLimit) {
  constexpr std::size_t kChunk = 64 * 1024;
  constexpr std::size_t kTotal = 50u << 20;
  const CsvOptions options;
  std::string chunk;
  while (chunk.size() < kChunk) chunk += "1,2,3\n";
  chunk.resize(kChunk - kChunk % 6);
  const auto lines_per_chunk = static_cast<uint64_t>(chunk.size() / 6);

  std::vector<CsvRow> rows;
  CsvReader reader(
      [&](const CsvRow& row) {
        rows.push_back(row);
        return true;
      },
      options);
  reader.Feed("\"");
  std::size_t max_buffered = 0;
  uint64_t chunks = 0;
  for (std::size_t fed = 0; fed < kTotal; fed += chunk.size(), ++chunks) {
    reader.Feed(chunk);
    max_buffered = std::max(max_buffered, reader.buffered_bytes());
  }
  // The quote closes at last; the row after it comes out on its true line.
  reader.Feed("\"\nnext,row\n");
  reader.Finish();

  EXPECT_LE(max_buffered, options.max_field_bytes + kChunk);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[0].error, "field at column 1 exceeds max_field_bytes (1048576)");
  EXPECT_EQ(rows[1].line, 2 + chunks * lines_per_chunk);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"next", "row"}));
  EXPECT_FALSE(rows[1].error);
}

TEST(CsvReaderTest, EndlessUnquotedLineStaysWithinTheFieldLimit) {
  CsvOptions options;
  options.max_field_bytes = 1000;
  CsvReader reader([](const CsvRow&) { return true; }, options);
  const std::string chunk(4096, 'x');
  std::size_t max_buffered = 0;
  for (int i = 0; i < 1000; ++i) {
    reader.Feed(chunk);
    max_buffered = std::max(max_buffered, reader.buffered_bytes());
  }
  EXPECT_LE(max_buffered, options.max_field_bytes);
}

// ---- property: any rows, any chunking ----

// Deterministic on every platform: raw mt19937 output, no distributions.
class Gen {
 public:
  explicit Gen(uint32_t seed) : engine_(seed) {}
  std::size_t Below(std::size_t n) { return engine_() % n; }
  bool OneIn(std::size_t n) { return Below(n) == 0; }

 private:
  std::mt19937 engine_;
};

struct Sample {
  std::string text;
  std::vector<CsvRow> rows;
};

uint64_t PhysicalLineAt(std::string_view text, std::size_t offset) {
  uint64_t line = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) ++line;
  }
  return line;
}

Sample RandomCsv(Gen& gen, char delimiter) {
  static const std::vector<std::string> kPieces = {
      "a", "b", "xyz", "0", ",", ";", "\t", "\"", "\"\"", "\r", "\n", "\r\n", " ",
      "김민수",           // UTF-8
      "\xB1\xE8",         // CP949 김
      "\x8C\x63",         // CP949 똠 (trail byte 'c')
      "\xC1\x64\x94\xEE",  // CP949 햏뷁
      "\xEF\xBB\xBF"       // BOM bytes, data anywhere but at offset 0
  };
  Sample sample;
  if (gen.OneIn(4)) sample.text = "\xEF\xBB\xBF";
  const std::size_t bom = sample.text.size();
  const std::size_t row_count = 1 + gen.Below(20);
  for (std::size_t r = 0; r < row_count; ++r) {
    while (gen.OneIn(6)) sample.text += gen.OneIn(2) ? "\n" : "\r\n";  // blank lines
    CsvRow row;
    const std::size_t field_count = 1 + gen.Below(6);
    for (std::size_t f = 0; f < field_count; ++f) {
      std::string field;
      const std::size_t pieces = gen.Below(5);
      for (std::size_t p = 0; p < pieces; ++p) field += kPieces[gen.Below(kPieces.size())];
      row.fields.push_back(field);
    }
    const std::size_t start = sample.text.size();
    for (std::size_t f = 0; f < field_count; ++f) {
      const std::string& field = row.fields[f];
      const bool must_quote = field.find_first_of(std::string("\"\r\n") + delimiter) != std::string::npos ||
                              (field_count == 1 && field.empty()) ||
                              (sample.text.size() == bom && field.rfind("\xEF", 0) == 0);
      if (f > 0) sample.text += delimiter;
      if (must_quote || gen.OneIn(5)) {
        sample.text += '"';
        for (const char c : field) sample.text += c == '"' ? std::string("\"\"") : std::string(1, c);
        sample.text += '"';
      } else {
        sample.text += field;
      }
    }
    row.line = PhysicalLineAt(sample.text, start);
    sample.rows.push_back(row);
    static const char* const kEnds[] = {"\n", "\r\n", "\r"};
    if (r + 1 < row_count || !gen.OneIn(3)) sample.text += kEnds[gen.Below(3)];
  }
  return sample;
}

TEST(CsvReaderTest, RandomRowsComeOutUnchangedWhateverTheChunking) {
  Gen gen(20240611);
  const char delimiters[] = {',', ';', '\t'};
  for (int iteration = 0; iteration < 300; ++iteration) {
    CsvOptions options;
    options.delimiter = delimiters[gen.Below(3)];
    const Sample sample = RandomCsv(gen, options.delimiter);
    const std::string expected = Render(sample.rows);
    SCOPED_TRACE("iteration " + std::to_string(iteration) + ": " + Escape(sample.text));
    for (std::size_t size = 1; size <= 7; ++size)
      ASSERT_EQ(Render(ParseChunked(sample.text, {size}, options)), expected) << "chunk size " << size;
    for (int chunking = 0; chunking < 5; ++chunking) {
      std::vector<std::size_t> sizes;
      for (int i = 0; i < 16; ++i) sizes.push_back(1 + gen.Below(40));
      ASSERT_EQ(Render(ParseChunked(sample.text, sizes, options)), expected) << "random chunking " << chunking;
    }
  }
}

// ---- NDJSON ----

std::vector<NdjsonLine> NdjsonChunked(std::string_view input, std::size_t size, const NdjsonOptions& options = {}) {
  std::vector<NdjsonLine> lines;
  NdjsonReader reader(
      [&](const NdjsonLine& line) {
        lines.push_back(line);
        return true;
      },
      options);
  for (std::size_t pos = 0; pos < input.size(); pos += size) reader.Feed(input.substr(pos, size));
  reader.Finish();
  return lines;
}

std::string RenderLines(const std::vector<NdjsonLine>& lines) {
  std::string out;
  for (const NdjsonLine& line : lines) {
    out += std::to_string(line.line) + ": " + Escape(line.text);
    if (line.error) out += " ! " + *line.error;
    out += '\n';
  }
  return out;
}

std::string Ndjson(std::string_view input, const NdjsonOptions& options = {}) {
  const std::string whole = RenderLines(NdjsonChunked(input, input.size() + 1, options));
  EXPECT_EQ(whole, RenderLines(NdjsonChunked(input, 1, options))) << "byte by byte";
  EXPECT_EQ(whole, RenderLines(NdjsonChunked(input, 3, options))) << "chunks of 3";
  return whole;
}

TEST(NdjsonReaderTest, NonBlankLinesWithPhysicalNumbers) {
  EXPECT_EQ(Ndjson("{\"a\":1}\n{\"b\":2}\r\n\n  \t\r\n{\"c\":\"x\\ny\"}"),
            "1: {\"a\":1}\n2: {\"b\":2}\n5: {\"c\":\"x\\ny\"}\n");
  EXPECT_EQ(Ndjson(""), "");
  EXPECT_EQ(Ndjson("\n\r\n"), "");
}

TEST(NdjsonReaderTest, BomDroppedAtOffsetZeroOnly) {
  EXPECT_EQ(Ndjson("\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}\n"), "1: {}\n2: \xEF\xBB\xBF{}\n");
}

TEST(NdjsonReaderTest, OverlongLineIsAnErrorAndTheNextLineIsRead) {
  NdjsonOptions options;
  options.max_line_bytes = 8;
  EXPECT_EQ(Ndjson("{\"a\":1}\n{\"b\":\"0123456789\"}\n12345678\n", options),
            "1: {\"a\":1}\n2:  ! line exceeds max_line_bytes (8)\n3: 12345678\n");
}

TEST(NdjsonReaderTest, EndlessLineStaysWithinTheLimit) {
  NdjsonOptions options;
  options.max_line_bytes = 1000;
  std::vector<NdjsonLine> lines;
  NdjsonReader reader(
      [&](const NdjsonLine& line) {
        lines.push_back(line);
        return true;
      },
      options);
  const std::string chunk(4096, 'x');
  std::size_t max_buffered = 0;
  for (int i = 0; i < 1000; ++i) {
    reader.Feed(chunk);
    max_buffered = std::max(max_buffered, reader.buffered_bytes());
  }
  reader.Feed("\n{}");
  reader.Finish();
  EXPECT_LE(max_buffered, options.max_line_bytes);
  EXPECT_EQ(RenderLines(lines), "1:  ! line exceeds max_line_bytes (1000)\n2: {}\n");
}

TEST(NdjsonReaderTest, CallbackReturningFalseStopsTheReader) {
  int seen = 0;
  NdjsonReader reader([&](const NdjsonLine&) { return ++seen < 2; });
  reader.Feed("1\n2\n3\n");
  reader.Feed("4\n");
  reader.Finish();
  EXPECT_TRUE(reader.stopped());
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace seam::ingest
