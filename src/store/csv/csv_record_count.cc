#include "store/csv/csv_record_count.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace vdpark {

Result<uint64_t> CountCsvRecords(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": " + std::strerror(errno));
  }
  std::vector<char> buffer(1 << 20);
  uint64_t records = 0;
  bool quoted = false;   // inside a quoted field: a line end there is part of it
  bool pending = false;  // bytes of a record not yet ended by a line end
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      return Status::IOError(path + ": " + why);
    }
    if (n == 0) break;
    const char* p = buffer.data();
    const char* end = p + n;
    while (p < end) {
      if (!quoted) {
        // Unquoted text: jump to the next quote or line end.
        const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
        const char* stop = q ? q : end;
        for (const char* nl; p < stop && (nl = static_cast<const char*>(std::memchr(
                                              p, '\n', static_cast<size_t>(stop - p))));) {
          // A blank line (nothing but a carriage return) is no record, as the reader skips it.
          if (pending || nl - p > 1 || (nl - p == 1 && *p != '\r')) ++records;
          pending = false;
          p = nl + 1;
        }
        // What is left of the line counts once it holds more than a carriage return.
        if (stop - p > 1 || (stop - p == 1 && *p != '\r')) pending = true;
        p = stop;
        if (q) {
          quoted = true;
          pending = true;
          ++p;
        }
      } else {
        // A quoted field ends at the next quote (a doubled one "" closes and reopens it).
        const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
        if (!q) {
          p = end;
        } else {
          quoted = false;
          p = q + 1;
        }
      }
    }
  }
  ::close(fd);
  return records + (pending ? 1 : 0);
}

}  // namespace vdpark
