#include "store/csv/csv_format.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace vdpark {
namespace {

namespace fs = std::filesystem;

// A record as plain values: nullopt for NULL.
using Values = std::vector<std::optional<std::string>>;

struct ReadRecord {
  uint64_t line;
  std::string raw;
  Values values;
};

Values ToValues(const CsvRecord& r) {
  Values v;
  for (const CsvField& f : r.fields) {
    v.push_back(f.is_null() ? std::nullopt : std::optional<std::string>(std::string(f.text)));
  }
  return v;
}

std::vector<ReadRecord> ReadAll(CsvReader& reader) {
  std::vector<ReadRecord> out;
  for (;;) {
    auto r = reader.Next();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || *r == nullptr) return out;
    out.push_back({(*r)->line, std::string((*r)->raw), ToValues(**r)});
  }
}

std::vector<ReadRecord> ReadString(std::string text) {
  auto reader = CsvReader::FromString(std::move(text), "t.csv");
  return ReadAll(*reader);
}

class CsvFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vdpark_csv_format_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  fs::path dir_;
};

TEST_F(CsvFormatTest, UnquotedEmptyIsNullAndQuotedEmptyIsEmptyString) {
  auto recs = ReadString("a,,\"\",b\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].values, (Values{"a", std::nullopt, "", "b"}));
}

TEST_F(CsvFormatTest, QuotedFieldsHoldCommasDoubledQuotesAndNewlines) {
  auto recs = ReadString(
      "\"Financial Centre Rd, Downtown\",\"{\"\"open\"\": \"\"08:00\"\"}\",\"line1\nline2\","
      "\"crlf\r\ninside\"\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].values, (Values{"Financial Centre Rd, Downtown", "{\"open\": \"08:00\"}",
                                    "line1\nline2", "crlf\r\ninside"}));
}

TEST_F(CsvFormatTest, QuoteInTheMiddleOfAFieldStartsAQuotedPart) {
  // PostgreSQL reads a"b,c"d as one field ab,cd.
  auto recs = ReadString("a\"b,c\"d,e\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].values, (Values{"ab,cd", "e"}));
}

TEST_F(CsvFormatTest, RecordsAreTaggedWithTheirFirstLine) {
  auto recs = ReadString(
      "h1,h2\n"
      "a,\"two\nlines\"\n"
      "b,\"three\n\nlines\"\n"
      "c,d\n");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].line, 1u);
  EXPECT_EQ(recs[1].line, 2u);
  EXPECT_EQ(recs[2].line, 4u);
  EXPECT_EQ(recs[3].line, 7u);
  EXPECT_EQ(recs[2].raw, "b,\"three\n\nlines\"");
  EXPECT_EQ(recs[3].raw, "c,d");
}

TEST_F(CsvFormatTest, CrlfAndLfLineEndsAndNoFinalNewline) {
  auto recs = ReadString("a,b\r\n\"c\",d\r\ne,f");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].values, (Values{"a", "b"}));
  EXPECT_EQ(recs[0].raw, "a,b");
  EXPECT_EQ(recs[1].values, (Values{"c", "d"}));
  EXPECT_EQ(recs[1].raw, "\"c\",d");
  EXPECT_EQ(recs[2].values, (Values{"e", "f"}));
  EXPECT_EQ(recs[2].line, 3u);
}

TEST_F(CsvFormatTest, BlankLineIsOneNullField) {
  auto recs = ReadString("a\n\nb\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].values, (Values{std::nullopt}));
  EXPECT_EQ(recs[1].raw, "");
  EXPECT_EQ(recs[2].line, 3u);
}

TEST_F(CsvFormatTest, ByteOrderMarkIsSkipped) {
  auto recs = ReadString("\xEF\xBB\xBFzone_id,name\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].values, (Values{"zone_id", "name"}));
}

TEST_F(CsvFormatTest, UnterminatedQuoteNamesFileAndLine) {
  std::string path = WriteFile("bad.csv", "h\nok\n\"still\nopen\n");
  auto reader = CsvReader::Open(path, "bad.csv");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Next().ok());
  ASSERT_TRUE((*reader)->Next().ok());
  auto r = (*reader)->Next();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("bad.csv:3: unterminated quoted field"), std::string::npos)
      << r.status().message();
}

TEST_F(CsvFormatTest, RecordLongerThanTheLimitIsAnError) {
  CsvReaderOptions options;
  options.buffer_size = 16;
  options.max_record_size = 64;
  std::string path = WriteFile("long.csv", "a,b\n\"" + std::string(200, 'x') + "\"\n");
  auto reader = CsvReader::Open(path, "long.csv", options);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Next().ok());
  auto r = (*reader)->Next();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("long.csv:2: record longer than"), std::string::npos)
      << r.status().message();
}

// A broken record as ReadAll sees it: its first line, and the reason as its one value.
std::vector<ReadRecord> ReadWithBrokenRecords(const std::string& path, size_t fields, size_t buffer,
                                              size_t max_record = size_t{1} << 20) {
  CsvReaderOptions options;
  options.buffer_size = buffer;
  options.max_record_size = max_record;
  auto reader = CsvReader::Open(path, "t.csv", options);
  EXPECT_TRUE(reader.ok());
  if (!reader.ok()) return {};
  (*reader)->RejectBrokenRecords(fields);
  std::vector<ReadRecord> out;
  for (;;) {
    auto r = (*reader)->Next();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || *r == nullptr) break;
    if ((*r)->is_broken()) {
      out.push_back({(*r)->line, std::string((*r)->raw), {"BROKEN: " + std::string((*r)->broken)}});
    } else {
      out.push_back({(*r)->line, std::string((*r)->raw), ToValues(**r)});
    }
  }
  EXPECT_EQ((*reader)->bytes_consumed(), fs::file_size(path));
  return out;
}

TEST_F(CsvFormatTest, BrokenRecordsAreHandedBackAndReadingGoesOnAtTheNextLine) {
  const std::string path = WriteFile("b.csv",
                                     "h,i\n"
                                     "a,b\n"              // 2
                                     "\"c,d\n"            // 3 opens a quote that does not close
                                     "e,f\n"              // 4 a record of its own
                                     "\"x\ny\",z\n"       // 5-6 a field over two lines
                                     "\"p\nq r\ns\",t\n"  // 7-9 over three: "q r" is no record
                                     "g,\"h\n");          // 10 still open at the end
  for (size_t buffer : {16, 17, 31, 64, 1 << 20}) {
    auto recs = ReadWithBrokenRecords(path, 2, buffer);
    ASSERT_EQ(recs.size(), 7u) << buffer;
    EXPECT_EQ(recs[1].line, 2u);
    EXPECT_EQ(recs[2].line, 3u);
    EXPECT_EQ(recs[2].raw, "\"c,d");
    EXPECT_EQ(recs[2].values, (Values{"BROKEN: a quote opened on this line runs on over line 4, "
                                      "which reads as a row of its own (a stray quote?)"}));
    EXPECT_EQ(recs[3].line, 4u);
    EXPECT_EQ(recs[3].values, (Values{"e", "f"}));
    EXPECT_EQ(recs[4].line, 5u);
    EXPECT_EQ(recs[4].values, (Values{"x\ny", "z"}));
    EXPECT_EQ(recs[5].line, 7u);
    EXPECT_EQ(recs[5].values, (Values{"p\nq r\ns", "t"}));
    EXPECT_EQ(recs[6].line, 10u);
    EXPECT_EQ(recs[6].raw, "g,\"h");
    EXPECT_EQ(recs[6].values, (Values{"BROKEN: unterminated quoted field: a quote opened on this "
                                      "line is still open at the end of the file"}));
  }
  // Without RejectBrokenRecords, the stray quote takes lines 3 to 5 in as one record, as CSV says
  // it should (UnterminatedQuoteNamesFileAndLine: and the end of the file is an error).
  CsvReaderOptions plain;
  plain.buffer_size = 16;
  auto reader = CsvReader::Open(path, "b.csv", plain);
  ASSERT_TRUE(reader.ok());
  auto recs = ReadAll(**reader);
  ASSERT_GE(recs.size(), 3u);
  EXPECT_EQ(recs[2].values, (Values{"c,d\ne,f\nx"}));
}

TEST_F(CsvFormatTest, ARecordPastTheLimitIsBrokenAndTheRestIsRead) {
  // A quote that never closes over many lines none of which is a record of 3 fields, and a line
  // that is too long by itself.
  std::string text = "h,i,j\n\"open";
  for (int i = 0; i < 40; ++i) text += "\nwords, more words";
  text += "\n" + std::string(300, 'x') + "\na,b,c\n";
  const std::string path = WriteFile("long.csv", text);
  for (size_t buffer : {16, 64, 1000, 1 << 20}) {
    auto recs = ReadWithBrokenRecords(path, 3, buffer, 128);
    ASSERT_GE(recs.size(), 3u) << buffer;
    EXPECT_EQ(recs[1].line, 2u);
    EXPECT_EQ(recs[1].raw, "\"open");
    EXPECT_EQ(recs[1].values,
              (Values{"BROKEN: record longer than 128 bytes from this line on (a quote that never "
                      "closes?)"}))
        << buffer;
    // Then each line on its own: 40 of two fields, the long one, and the last record.
    ASSERT_EQ(recs.size(), 2u + 40u + 2u) << buffer;
    EXPECT_EQ(recs[2].values, (Values{"words", " more words"}));
    EXPECT_EQ(recs[42].line, 43u);
    EXPECT_EQ(recs[42].values[0]->substr(0, 16), "BROKEN: record l");
    EXPECT_LE(recs[42].raw.size(), 300u);
    EXPECT_EQ(recs[43].line, 44u);
    EXPECT_EQ(recs[43].values, (Values{"a", "b", "c"}));
  }
}

TEST_F(CsvFormatTest, MissingFileIsNotFound) {
  auto reader = CsvReader::Open((dir_ / "nope.csv").string());
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(reader.status().IsNotFound());
  EXPECT_NE(reader.status().message().find("nope.csv"), std::string::npos);
}

TEST_F(CsvFormatTest, QuotesOnlyWhatPostgresQuotes) {
  EXPECT_FALSE(CsvNeedsQuotes("zone-001"));
  EXPECT_FALSE(CsvNeedsQuotes(" spaced "));
  EXPECT_TRUE(CsvNeedsQuotes(""));
  EXPECT_TRUE(CsvNeedsQuotes("a,b"));
  EXPECT_TRUE(CsvNeedsQuotes("say \"hi\""));
  EXPECT_TRUE(CsvNeedsQuotes("a\nb"));
  EXPECT_TRUE(CsvNeedsQuotes("a\rb"));
  std::string out;
  AppendCsvField(&out, "{\"open\": \"08:00\", \"close\": \"22:00\"}");
  EXPECT_EQ(out, "\"{\"\"open\"\": \"\"08:00\"\", \"\"close\"\": \"\"22:00\"\"}\"");
  out.clear();
  AppendCsvField(&out, "");
  EXPECT_EQ(out, "\"\"");
  out.clear();
  AppendCsvField(&out, "plain");
  EXPECT_EQ(out, "plain");
}

TEST_F(CsvFormatTest, DoublesPrintAsPostgres15Does) {
  auto f = [](double v) {
    std::string s;
    AppendFloat8(&s, v);
    return s;
  };
  EXPECT_EQ(f(55.2796), "55.2796");
  EXPECT_EQ(f(-122.41941550000001), "-122.41941550000001");
  EXPECT_EQ(f(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(f(100), "100");
  EXPECT_EQ(f(0), "0");
  EXPECT_EQ(f(-0.0), "-0");
  EXPECT_EQ(f(0.0001), "0.0001");
  EXPECT_EQ(f(0.00001), "1e-05");
  EXPECT_EQ(f(0.000123), "0.000123");
  EXPECT_EQ(f(123456789012345.0), "123456789012345");
  EXPECT_EQ(f(1e15), "1e+15");
  EXPECT_EQ(f(1.5e300), "1.5e+300");
  EXPECT_EQ(f(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(f(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST_F(CsvFormatTest, PsqlTimestampsMatchTimestampToPsql) {
  // Every fraction length, whole seconds, midnight, leap days, before 1970 and after 9999.
  std::vector<Timestamp> times = {Timestamp::FromMicros(0),
                                  Timestamp::FromMicros(-1),
                                  *Timestamp::Parse("2024-02-29T00:00:00Z"),
                                  *Timestamp::Parse("1969-12-31T23:59:59.5Z"),
                                  *Timestamp::Parse("9999-12-31T23:59:59.999999Z"),
                                  *Timestamp::Parse("9999-12-31T23:59:59.999999Z") + 1};
  int64_t us = Timestamp::Parse("1999-12-31T23:59:59.999999Z")->micros();
  for (int i = 0; i < 5000; ++i) {
    times.push_back(Timestamp::FromMicros(us));
    us += 1 + int64_t{7919} * 1000003 * (i % 97) + (i % 3 == 0 ? 0 : i * 10);
  }
  for (Timestamp t : times) {
    std::string s;
    AppendPsqlTimestamp(&s, t);
    ASSERT_EQ(s, t.ToPsql()) << t.micros();
  }
  std::string s = "x";
  AppendPsqlTimestamp(&s, *Timestamp::Parse("2026-01-12 23:59:43.1+04"));
  EXPECT_EQ(s, "x2026-01-12 19:59:43.1+00");
}

TEST_F(CsvFormatTest, WriterOutputReadsBackAtEveryBufferSize) {
  // Random fields full of the characters that matter, written by the writer and read back through
  // buffers small enough that records and escapes straddle every refill boundary.
  std::mt19937 rng(42);
  const std::string alphabet = "ab,\"\r\n x";
  std::vector<Values> written;
  std::string path = (dir_ / "rt.csv").string();
  {
    auto w = CsvWriter::Open(path, CsvWriter::Mode::kTruncate);
    ASSERT_TRUE(w.ok());
    for (int r = 0; r < 300; ++r) {
      Values rec;
      int n = 1 + static_cast<int>(rng() % 5);
      for (int i = 0; i < n; ++i) {
        if (rng() % 5 == 0) {
          rec.push_back(std::nullopt);
          (*w)->AddNull();
          continue;
        }
        std::string s;
        for (int k = static_cast<int>(rng() % 8); k > 0; --k)
          s += alphabet[rng() % alphabet.size()];
        rec.push_back(s);
        (*w)->AddField(s);
      }
      // A record of one NULL field is a blank line, which reads back as exactly that.
      written.push_back(rec);
      ASSERT_TRUE((*w)->EndRecord().ok());
    }
    ASSERT_TRUE((*w)->Close().ok());
  }
  for (size_t buffer : {16, 17, 31, 64, 1000, 1 << 20}) {
    CsvReaderOptions options;
    options.buffer_size = buffer;
    auto reader = CsvReader::Open(path, "rt.csv", options);
    ASSERT_TRUE(reader.ok());
    auto recs = ReadAll(**reader);
    ASSERT_EQ(recs.size(), written.size()) << "buffer " << buffer;
    uint64_t line = 1;
    for (size_t i = 0; i < recs.size(); ++i) {
      ASSERT_EQ(recs[i].values, written[i]) << "buffer " << buffer << " record " << i;
      ASSERT_EQ(recs[i].line, line) << "buffer " << buffer << " record " << i;
      line += 1 + std::count(recs[i].raw.begin(), recs[i].raw.end(), '\n');
    }
    EXPECT_EQ((*reader)->bytes_consumed(), fs::file_size(path));
  }
}

TEST_F(CsvFormatTest, WriterAppendsAndWritesNullAsNothing) {
  std::string path = (dir_ / "w.csv").string();
  {
    auto w = CsvWriter::Open(path, CsvWriter::Mode::kTruncate);
    ASSERT_TRUE(w.ok());
    (*w)->AddField("a");
    (*w)->AddNull();
    (*w)->AddField("");
    (*w)->AddUnquoted("1.50");
    ASSERT_TRUE((*w)->EndRecord().ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  {
    auto w = CsvWriter::Open(path, CsvWriter::Mode::kAppend);
    ASSERT_TRUE(w.ok());
    (*w)->AddOptional(std::nullopt);
    (*w)->AddOptional(std::string("x,y"));
    ASSERT_TRUE((*w)->EndRecord().ok());
  }  // the destructor flushes
  EXPECT_EQ(Slurp(path), "a,,\"\",1.50\n,\"x,y\"\n");
}

}  // namespace
}  // namespace vdpark
