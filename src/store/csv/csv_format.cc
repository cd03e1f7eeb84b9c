#include "store/csv/csv_format.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

namespace vdpark {

namespace {

constexpr size_t kWriteBufferSize = size_t{1} << 20;

std::string ErrnoText(int err) {
  return std::strerror(err);
}

const char* FindByte(const char* b, const char* e, char c) {
  return static_cast<const char*>(std::memchr(b, c, static_cast<size_t>(e - b)));
}

// Whether the line [b, e) (without its LF), read on its own, is one complete record of `fields`
// fields: its quotes balance and it has fields - 1 commas outside them.
bool LineIsRecord(const char* b, const char* e, size_t fields) {
  if (e > b && e[-1] == '\r') --e;
  bool quoted = false;
  size_t n = 1;
  for (const char* p = b; p < e; ++p) {
    if (*p == '"') {
      quoted = !quoted;
    } else if (*p == ',' && !quoted) {
      ++n;
    }
  }
  return !quoted && n == fields;
}

// Of a broken record's first line, at most this much is kept (when the line never ends).
constexpr size_t kBrokenLineShown = 4096;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reader

CsvReader::CsvReader(int fd, std::string name, const CsvReaderOptions& options)
    : fd_(fd), name_(std::move(name)), options_(options) {
  if (options_.buffer_size < 16) options_.buffer_size = 16;
  fields_.reserve(32);
}

CsvReader::~CsvReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(const std::string& path, std::string name,
                                                   const CsvReaderOptions& options) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": " + ErrnoText(err));
  }
  std::unique_ptr<CsvReader> r(new CsvReader(fd, name.empty() ? path : std::move(name), options));
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a folder, not a file");
    r->file_size_ = static_cast<uint64_t>(st.st_size);
  }
  // Sequential reads of a large file: let the kernel read ahead aggressively.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  r->cap_ = r->options_.buffer_size;
  r->buf_ = std::make_unique_for_overwrite<char[]>(r->cap_);
  return r;
}

std::unique_ptr<CsvReader> CsvReader::FromString(std::string text, std::string name,
                                                 const CsvReaderOptions& options) {
  std::unique_ptr<CsvReader> r(new CsvReader(-1, std::move(name), options));
  r->cap_ = text.size();
  r->buf_ = std::make_unique_for_overwrite<char[]>(text.size());
  std::memcpy(r->buf_.get(), text.data(), text.size());
  r->end_ = text.size();
  r->eof_ = true;
  r->file_size_ = text.size();
  return r;
}

Status CsvReader::Refill() {
  // Keep the unfinished record and move it to the front: every view into the buffer is about to
  // be invalidated anyway, since the record is parsed again from its start.
  if (pos_ > 0) {
    std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
    consumed_before_buffer_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == cap_) {
    if (cap_ >= options_.max_record_size) {
      return Status::InvalidArgument(name_ + ":" + std::to_string(line_) + ": record longer than " +
                                     std::to_string(cap_) + " bytes (an unbalanced quote?)");
    }
    size_t cap = std::min(cap_ * 2, std::max(options_.max_record_size, cap_ + 1));
    auto grown = std::make_unique_for_overwrite<char[]>(cap);
    std::memcpy(grown.get(), buf_.get(), end_);
    buf_ = std::move(grown);
    cap_ = cap;
  }
  ssize_t n;
  do {
    n = ::read(fd_, buf_.get() + end_, cap_ - end_);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Status::IOError(name_ + ": read failed: " + ErrnoText(errno));
  if (n == 0) {
    eof_ = true;
  } else {
    end_ += static_cast<size_t>(n);
  }
  return Status::OK();
}

Result<const CsvRecord*> CsvReader::Next() {
  for (;;) {
    if (at_start_) {
      if (end_ - pos_ < 3 && !eof_) {
        VDPARK_RETURN_IF_ERROR(Refill());
        continue;
      }
      if (end_ - pos_ >= 3 && std::memcmp(buf_.get() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
      at_start_ = false;
    }
    if (skip_line_) {  // the rest of a broken record's overlong first line
      const char* nl = FindByte(buf_.get() + pos_, buf_.get() + end_, '\n');
      pos_ = nl ? static_cast<size_t>(nl - buf_.get()) + 1 : end_;
      skip_line_ = !nl && !eof_;
      if (skip_line_) VDPARK_RETURN_IF_ERROR(Refill());
      continue;
    }
    if (pos_ == end_) {
      if (eof_) return static_cast<const CsvRecord*>(nullptr);
      VDPARK_RETURN_IF_ERROR(Refill());
      continue;
    }
    switch (ParseRecord()) {
      case ParseResult::kRecord:
        return &record_;
      case ParseResult::kBroken:
        return BrokenRecord(std::move(broken_reason_));
      case ParseResult::kUnterminated:
        if (reject_broken_) {
          return BrokenRecord(
              "unterminated quoted field: a quote opened on this line is still open at the end "
              "of the file");
        }
        return Status::InvalidArgument(name_ + ":" + std::to_string(line_) +
                                       ": unterminated quoted field (no closing quote before the "
                                       "end of the file)");
      case ParseResult::kNeedMore:
        if (reject_broken_ && end_ - pos_ >= options_.max_record_size) {
          return BrokenRecord(TooLong());
        }
        VDPARK_RETURN_IF_ERROR(Refill());
        break;
    }
  }
}

std::string CsvReader::TooLong() const {
  return "record longer than " + std::to_string(options_.max_record_size) +
         " bytes from this line on (a quote that never closes?)";
}

void CsvReader::RejectBrokenRecords(size_t expected_fields) {
  reject_broken_ = true;
  expected_fields_ = expected_fields;
}

const CsvRecord* CsvReader::BrokenRecord(std::string reason) {
  broken_reason_ = std::move(reason);
  const char* buf = buf_.get();
  const char* b = buf + pos_;
  const char* e = buf + end_;
  const char* nl = FindByte(b, e, '\n');
  const char* line_end = nl ? nl : e;
  if (!nl && !eof_) {
    // The line goes on past what is buffered: show its start, and drop the rest on the next call.
    line_end = b + std::min<size_t>(static_cast<size_t>(e - b), kBrokenLineShown);
    skip_line_ = true;
  } else if (line_end > b && line_end[-1] == '\r') {
    --line_end;
  }
  fields_.clear();
  record_ = {line_, std::string_view(b, static_cast<size_t>(line_end - b)), {}, broken_reason_};
  ++line_;
  if (!skip_line_) pos_ = nl ? static_cast<size_t>(nl - buf) + 1 : end_;
  return &record_;
}

CsvReader::ParseResult CsvReader::ParseRecord() {
  fields_.clear();
  const char* buf = buf_.get();
  const char* b = buf + pos_;
  const char* e = buf + end_;
  const char* nl = FindByte(b, e, '\n');
  if (!nl && !eof_) return ParseResult::kNeedMore;
  const char* stop = nl ? nl : e;
  // The common case, a line without quotes, is one record on one line: split it on commas with
  // memchr and touch nothing else.
  if (FindByte(b, stop, '"')) return ParseQuoted(b);
  const char* line_end = stop;
  if (line_end > b && line_end[-1] == '\r') --line_end;
  if (reject_broken_ && static_cast<size_t>(line_end - b) > options_.max_record_size) {
    broken_reason_ = TooLong();
    return ParseResult::kBroken;
  }
  const char* f = b;
  for (;;) {
    const char* comma = FindByte(f, line_end, ',');
    if (!comma) {
      fields_.push_back({std::string_view(f, static_cast<size_t>(line_end - f)), false});
      break;
    }
    fields_.push_back({std::string_view(f, static_cast<size_t>(comma - f)), false});
    f = comma + 1;
  }
  record_ = {line_, std::string_view(b, static_cast<size_t>(line_end - b)), fields_, {}};
  ++line_;
  pos_ = static_cast<size_t>(stop - buf) + (nl ? 1 : 0);
  return ParseResult::kRecord;
}

// Byte by byte: quoted fields may hold commas, newlines and doubled quotes. A field's text stays a
// view into the buffer while its bytes are contiguous there, and moves to the arena only when an
// escape or a quote in the middle breaks the run.
CsvReader::ParseResult CsvReader::ParseQuoted(const char* p) {
  const char* buf = buf_.get();
  const char* b = p;
  const char* e = buf + end_;
  size_t used = 0;  // bytes of the arena used by this record
  uint64_t newlines = 0;
  const char* last_break = nullptr;  // the record's last line break so far (rule 3)

  const char* vb = p;  // the field as a view [vb, ve) ...
  const char* ve = p;
  bool in_arena = false;  // ... or as arena_[ab, used)
  size_t ab = 0;
  bool quoted = false;

  auto append = [&](const char* c) {
    if (!in_arena) {
      if (ve == c) {
        ++ve;
        return;
      }
      if (vb == ve) {
        vb = c;
        ve = c + 1;
        return;
      }
      // The arena is sized to the buffer once per parse, before anything of this record is in it
      // (cap_ only changes in Refill), so views into it stay valid for the whole record.
      if (arena_cap_ < cap_) {
        arena_ = std::make_unique_for_overwrite<char[]>(cap_);
        arena_cap_ = cap_;
      }
      ab = used;
      std::memcpy(arena_.get() + used, vb, static_cast<size_t>(ve - vb));
      used += static_cast<size_t>(ve - vb);
      in_arena = true;
    }
    arena_[used++] = *c;
  };
  auto finish_field = [&] {
    fields_.push_back({in_arena ? std::string_view(arena_.get() + ab, used - ab)
                                : std::string_view(vb, static_cast<size_t>(ve - vb)),
                       quoted});
  };
  auto finish_record = [&](const char* record_end, const char* next) {
    if (reject_broken_ && static_cast<size_t>(record_end - b) > options_.max_record_size) {
      broken_reason_ = TooLong();
      return ParseResult::kBroken;
    }
    finish_field();
    record_ = {line_, std::string_view(b, static_cast<size_t>(record_end - b)), fields_, {}};
    line_ += 1 + newlines;
    pos_ = static_cast<size_t>(next - buf);
    return ParseResult::kRecord;
  };

  for (;;) {
    if (p == e) {
      if (!eof_) return ParseResult::kNeedMore;
      return finish_record(e, e);
    }
    char c = *p;
    if (c == '"') {
      quoted = true;
      ++p;
      for (;;) {
        if (p == e) return eof_ ? ParseResult::kUnterminated : ParseResult::kNeedMore;
        if (*p == '"') {
          if (p + 1 == e && !eof_) return ParseResult::kNeedMore;
          if (p + 1 < e && p[1] == '"') {
            append(p);
            p += 2;
            continue;
          }
          ++p;
          break;
        }
        if (*p == '\n') {
          // Rule 2 (csv_format.h), checked as the record grows: a buffer holding a large part of
          // the file finds the same record broken as a small one does.
          if (reject_broken_ && static_cast<size_t>(p - b) > options_.max_record_size) {
            broken_reason_ = TooLong();
            return ParseResult::kBroken;
          }
          // Rule 3: a whole line inside the quotes that reads as a row of its own.
          if (expected_fields_ > 0 && last_break != nullptr &&
              LineIsRecord(last_break + 1, p, expected_fields_)) {
            broken_reason_ = "a quote opened on this line runs on over line " +
                             std::to_string(line_ + newlines) +
                             ", which reads as a row of its own (a stray quote?)";
            return ParseResult::kBroken;
          }
          last_break = p;
          ++newlines;
        }
        append(p);
        ++p;
      }
    } else if (c == ',') {
      finish_field();
      ++p;
      vb = ve = p;
      in_arena = false;
      quoted = false;
    } else if (c == '\n') {
      return finish_record(p, p + 1);
    } else if (c == '\r') {
      if (p + 1 == e && !eof_) return ParseResult::kNeedMore;
      if (p + 1 == e) return finish_record(p, e);
      if (p[1] == '\n') return finish_record(p, p + 2);
      append(p);
      ++p;
    } else {
      append(p);
      ++p;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

bool CsvNeedsQuotes(std::string_view text) {
  if (text.empty()) return true;
  for (char c : text) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

void AppendCsvField(std::string* out, std::string_view text) {
  if (!CsvNeedsQuotes(text)) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendFloat8(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "Infinity" : "-Infinity");
    return;
  }
  // Shortest round-trip digits in scientific form ("-1.2345e+01"), then laid out the way
  // PostgreSQL's float8out does: fixed-point when -4 <= exponent < 15, as printf's %g would.
  char sci[40];
  auto res = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  std::string_view s(sci, static_cast<size_t>(res.ptr - sci));
  size_t epos = s.find('e');
  const char* exp_begin = s.data() + epos + 1;
  if (*exp_begin == '+') ++exp_begin;
  int exp = 0;
  std::from_chars(exp_begin, s.data() + s.size(), exp);
  if (exp < -4 || exp >= 15) {
    out->append(s);
    return;
  }
  std::string_view mantissa = s.substr(0, epos);
  if (!mantissa.empty() && mantissa.front() == '-') {
    out->push_back('-');
    mantissa.remove_prefix(1);
  }
  char digits[24];
  size_t n = 0;
  for (char c : mantissa) {
    if (c != '.') digits[n++] = c;
  }
  if (exp < 0) {
    out->append("0.");
    out->append(static_cast<size_t>(-exp - 1), '0');
    out->append(digits, n);
    return;
  }
  size_t int_digits = static_cast<size_t>(exp) + 1;
  if (n <= int_digits) {
    out->append(digits, n);
    out->append(int_digits - n, '0');
  } else {
    out->append(digits, int_digits);
    out->push_back('.');
    out->append(digits + int_digits, n - int_digits);
  }
}

void AppendPsqlTimestamp(std::string* out, Timestamp t) {
  char buf[32];
  int64_t frac = 0;
  if (!WriteCivilSeconds(t, ' ', buf, &frac)) {  // not fixed width: leave it to the general code
    out->append(t.ToPsql());
    return;
  }
  size_t n = 19;
  if (frac != 0) {
    buf[n++] = '.';
    WriteDigits(buf + n, frac, 6);
    n += 6;
    while (buf[n - 1] == '0') --n;
  }
  std::memcpy(buf + n, "+00", 3);
  out->append(buf, n + 3);
}

CsvWriter::CsvWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
  buf_.reserve(kWriteBufferSize + 4096);
}

CsvWriter::~CsvWriter() {
  if (fd_ >= 0) {
    (void)Flush();
    ::close(fd_);
  }
}

Result<std::unique_ptr<CsvWriter>> CsvWriter::Open(const std::string& path, Mode mode) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode == Mode::kTruncate ? O_TRUNC : O_APPEND);
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0) return Status::IOError(path + ": cannot open for writing: " + ErrnoText(errno));
  return std::unique_ptr<CsvWriter>(new CsvWriter(fd, path));
}

void CsvWriter::AddField(std::string_view text) {
  Separate();
  AppendCsvField(&buf_, text);
}

void CsvWriter::AddNull() {
  Separate();
}

void CsvWriter::AddUnquoted(std::string_view text) {
  Separate();
  buf_.append(text);
}

std::string* CsvWriter::BeginUnquoted() {
  Separate();
  return &buf_;
}

Status CsvWriter::EndRecord() {
  buf_.push_back('\n');
  in_record_ = false;
  if (buf_.size() >= kWriteBufferSize) return Flush();
  return Status::OK();
}

Status CsvWriter::Flush() {
  if (fd_ < 0) return Status::IOError(path_ + ": already closed");
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      // Drop what was written so a retry does not duplicate it.
      buf_.erase(0, done);
      written_ += done;
      return Status::IOError(path_ + ": write failed: " + ErrnoText(err));
    }
    done += static_cast<size_t>(n);
  }
  written_ += done;
  buf_.clear();
  return Status::OK();
}

Status CsvWriter::Sync() {
  VDPARK_RETURN_IF_ERROR(Flush());
  if (::fsync(fd_) != 0) return Status::IOError(path_ + ": fsync failed: " + ErrnoText(errno));
  return Status::OK();
}

Status CsvWriter::Close() {
  Status s = Sync();
  if (fd_ >= 0) {
    if (::close(fd_) != 0 && s.ok()) s = Status::IOError(path_ + ": close: " + ErrnoText(errno));
    fd_ = -1;
  }
  return s;
}

}  // namespace vdpark
