// The first ceiling of the load benchmark: how fast this machine reads events.csv alone.
//   1. raw: the file's bytes read in 4 MB chunks and its rows counted (no parsing at all);
//   2. parse: the csv store's ScanEvents, every row parsed into a ParkingEvent, nothing written.
// Usage: csv_read_bench DIR   (DIR holds events.csv). Prints one JSON object.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "store/open_store.h"

using namespace vdpark;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  auto t0 = std::chrono::steady_clock::now();
  int fd = open((dir + "/events.csv").c_str(), O_RDONLY);
  if (fd < 0) {
    std::perror("events.csv");
    return 2;
  }
  std::vector<char> buf(4 << 20);
  uint64_t bytes = 0, rows = 0;
  ssize_t n;
  while ((n = read(fd, buf.data(), buf.size())) > 0) {
    bytes += n;
    for (const char* p = buf.data();
         (p = static_cast<const char*>(std::memchr(p, '\n', buf.data() + n - p))) != nullptr; ++p) {
      ++rows;
    }
  }
  close(fd);
  double raw_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rows -= 1;  // the header

  StoreOptions so;
  so.create_if_missing = false;
  auto store = OpenStore("csv:" + dir, so);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 2;
  }
  uint64_t parsed = 0, checksum = 0;
  t0 = std::chrono::steady_clock::now();
  Status s = (*store)->ScanEvents({},
                                  [&](ParkingEvent&& e, const Origin&) {
                                    ++parsed;
                                    checksum += e.timestamp.micros();  // keep the work observable
                                    return Status::OK();
                                  },
                                  {});
  double parse_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  std::printf(
      "{\"bytes\":%llu,\"rows\":%llu,\"raw_seconds\":%.3f,\"raw_rows_per_s\":%.0f,"
      "\"parsed\":%llu,\"parse_seconds\":%.3f,\"parse_rows_per_s\":%.0f,\"checksum\":%llu}\n",
      (unsigned long long)bytes, (unsigned long long)rows, raw_s, rows / raw_s,
      (unsigned long long)parsed, parse_s, parsed / parse_s, (unsigned long long)checksum);
  return 0;
}
