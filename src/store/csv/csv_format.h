// CSV as RFC 4180 defines it and as PostgreSQL writes it (`COPY ... WITH CSV HEADER`, psql
// `\copy`): a streaming reader for files of any size and a buffered writer.
//
// NULL and the empty string are different values: an unquoted empty field is NULL, a quoted
// empty field ("") is the empty string. This is what PostgreSQL writes and reads by default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "domain/timestamp.h"

namespace vdpark {

// One field of a record. `text` has quotes removed and doubled quotes undone.
struct CsvField {
  std::string_view text;
  bool quoted = false;  // some part of it was inside quotes

  // Unquoted and empty: SQL NULL as psql writes it.
  bool is_null() const { return !quoted && text.empty(); }
};

// One record. Everything it points to is valid until the reader's next call to Next().
struct CsvRecord {
  uint64_t line = 0;     // the 1-based line the record starts on
  std::string_view raw;  // the record as written, without its line terminator
  std::span<const CsvField> fields;
  // Only from a reader told to RejectBrokenRecords(): why the record could not be read, and then
  // `raw` is its first line alone, `fields` is empty, and the reader carries on at the next line.
  std::string_view broken;

  size_t size() const { return fields.size(); }
  const CsvField& operator[](size_t i) const { return fields[i]; }
  // A line with nothing on it: one NULL field.
  bool blank() const { return raw.empty() && broken.empty(); }
  bool is_broken() const { return !broken.empty(); }
};

struct CsvReaderOptions {
  size_t buffer_size = size_t{4} << 20;       // bytes read from the file at a time
  size_t max_record_size = size_t{64} << 20;  // longer is an error (most likely a stray quote)
};

// Reads records one at a time from a file (or a string) through one buffer, so memory stays flat
// however large the file is. Fields point into the buffer; only a field with a doubled quote, or
// one that mixes quoted and unquoted parts, is copied (into a per-reader arena).
//
// Lines end with LF or CRLF; a CR not followed by LF is data. A quote may also start in the middle
// of a field, as PostgreSQL accepts: a"b,c"d reads as ab,cd. A UTF-8 byte order mark at the start
// of the file is skipped. Not thread-safe.
//
// Broken records. A quoted field may hold line breaks, so one stray quote (a field cut short, a
// quote typed by hand) would swallow every line after it into one record, up to the next quote or
// the end of the file. By default such a record ends the read with an error. After
// RejectBrokenRecords(n), with n the header's number of fields, the reader hands it back as a
// broken record instead (its first line alone, with the reason) and reads on from the next line,
// so the lines it would have swallowed are read as the records they are. A record is broken when
//   1. a quote is still open at the end of the input ("unterminated quoted field"), or
//   2. it runs past max_record_size bytes (a quote that never closes, or a line that never ends;
//      no record of the §5.1 files comes near a mebibyte), or
//   3. a line it swallowed whole, read on its own, is a complete record of n fields: that line is
//      a row, not part of a field (a text field that holds line breaks is still read whole, as long
//      as no line inside it looks like a row of the file).
// Nothing a stray quote swallowed is lost this way: a line that could be a row on its own has
// balanced quotes and n fields, and rule 3 stops at the first such line. (The last line of a
// quoted field holds the closing quote, so on its own it is never a complete record.)
class CsvReader {
 public:
  // `name` is used in error messages ("events.csv:17: ..."); the path when empty. NotFound when
  // the file does not exist, InvalidArgument when it is a folder, IOError when it cannot be opened.
  static Result<std::unique_ptr<CsvReader>> Open(const std::string& path, std::string name = "",
                                                 const CsvReaderOptions& options = {});
  // Reads from `text` instead of a file.
  static std::unique_ptr<CsvReader> FromString(std::string text, std::string name,
                                               const CsvReaderOptions& options = {});

  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The next record; nullptr at the end of the input. InvalidArgument naming name:line when a
  // quoted field is still open at the end of the input or a record exceeds max_record_size (unless
  // RejectBrokenRecords was called: then a broken record); IOError when reading fails. The record
  // is valid until the next call.
  Result<const CsvRecord*> Next();

  // From here on, a record that cannot be read is returned as a broken record (see above) instead
  // of an error. `expected_fields` is the number of fields a record has (the header's); 0 leaves
  // out rule 3.
  void RejectBrokenRecords(size_t expected_fields);

  const std::string& name() const { return name_; }
  // Bytes of input consumed through the last record returned (for progress reports).
  uint64_t bytes_consumed() const { return consumed_before_buffer_ + pos_; }
  // The size of the file, 0 when unknown.
  uint64_t file_size() const { return file_size_; }

 private:
  enum class ParseResult { kRecord, kNeedMore, kUnterminated, kBroken };

  CsvReader(int fd, std::string name, const CsvReaderOptions& options);
  ParseResult ParseRecord();
  ParseResult ParseQuoted(const char* p);
  Status Refill();
  // The record at pos_ as a broken one: its first line, with `reason`; reading goes on after it.
  const CsvRecord* BrokenRecord(std::string reason);
  std::string TooLong() const;  // the reason of rule 2

  int fd_ = -1;
  std::string name_;
  CsvReaderOptions options_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t pos_ = 0;  // start of the next record
  size_t end_ = 0;  // end of valid data
  bool eof_ = false;
  bool at_start_ = true;  // nothing consumed yet: a byte order mark may follow
  uint64_t consumed_before_buffer_ = 0;
  uint64_t file_size_ = 0;
  uint64_t line_ = 1;
  std::unique_ptr<char[]> arena_;  // unescaped fields; never larger than the buffer
  size_t arena_cap_ = 0;
  std::vector<CsvField> fields_;
  CsvRecord record_;
  bool reject_broken_ = false;  // RejectBrokenRecords was called
  size_t expected_fields_ = 0;  // rule 3; 0 = not checked
  bool skip_line_ = false;      // a broken record's first line goes on past the buffer: drop it
  std::string broken_reason_;
};

// Whether PostgreSQL's CSV output quotes `text` (a non-NULL value): it contains a comma, a quote,
// CR or LF, or it is empty.
bool CsvNeedsQuotes(std::string_view text);
// Appends `text` as one field, quoted and with quotes doubled when CsvNeedsQuotes.
void AppendCsvField(std::string* out, std::string_view text);
// Appends `v` as PostgreSQL 15 prints double precision: the shortest text that reads back as the
// same double, fixed-point for decimal exponents from -4 to 14 and "1.5e-05" / "1e+15" otherwise;
// "NaN", "Infinity", "-Infinity".
void AppendFloat8(std::string* out, double v);

// Appends `t` as psql prints a timestamptz in a session whose TimeZone is UTC, exactly as
// Timestamp::ToPsql() does ("2026-01-12 19:59:43.1234+00"), without allocating: it runs once per
// event on export.
void AppendPsqlTimestamp(std::string* out, Timestamp t);

// Writes records to a file through a large buffer. Fields are added one by one and a record ends
// with EndRecord(); separators and line ends ("\n", as psql writes on Unix) are the writer's job.
// Not thread-safe.
class CsvWriter {
 public:
  enum class Mode { kTruncate, kAppend };

  // Creates the file when missing. IOError naming the path when it cannot be opened.
  static Result<std::unique_ptr<CsvWriter>> Open(const std::string& path, Mode mode);

  // Flushes what is buffered; an error is lost here, so call Close() to see it.
  ~CsvWriter();
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;

  // A non-NULL value, quoted when CsvNeedsQuotes.
  void AddField(std::string_view text);
  // An empty unquoted field.
  void AddNull();
  // AddField(*text), or AddNull() when there is no text.
  void AddOptional(const std::optional<std::string>& text) { text ? AddField(*text) : AddNull(); }
  // A value the caller knows needs no quotes (a number, a timestamp): written as is.
  void AddUnquoted(std::string_view text);
  // The buffer to append an unquoted value to directly, after the separator; saves a copy.
  std::string* BeginUnquoted();

  // Ends the record; writes the buffer out when it is full.
  Status EndRecord();
  // Hands everything buffered to the operating system.
  Status Flush();
  // Flush() and fsync: what was written survives a crash.
  Status Sync();
  // Sync() and close. Further calls fail.
  Status Close();

  uint64_t bytes_written() const { return written_ + buf_.size(); }

 private:
  CsvWriter(int fd, std::string path);
  void Separate() {
    if (in_record_) buf_.push_back(',');
    in_record_ = true;
  }

  int fd_ = -1;
  std::string path_;
  std::string buf_;
  bool in_record_ = false;
  uint64_t written_ = 0;
};

}  // namespace vdpark
