#include "store/s3/gzip.h"

#include <zlib.h>

#include <algorithm>

namespace vdpark {

namespace {
constexpr int kGzipWindow = 15 + 16;  // 15-bit window, gzip header and trailer
constexpr size_t kChunk = size_t{1} << 20;
}  // namespace

Result<std::string> GzipCompress(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::Internal("gzip: deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(std::min<size_t>(data.size(), kChunk))) + 64);
  size_t produced = 0;
  size_t consumed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    const size_t in_now = std::min(data.size() - consumed, kChunk);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + consumed));
    z.avail_in = static_cast<uInt>(in_now);
    const int flush = consumed + in_now == data.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      if (out.size() - produced < kChunk / 4) out.resize(out.size() + kChunk);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      z.avail_out = static_cast<uInt>(out.size() - produced);
      rc = deflate(&z, flush);
      produced = out.size() - z.avail_out;
      if (rc == Z_STREAM_ERROR) {
        deflateEnd(&z);
        return Status::Internal("gzip: deflate failed");
      }
    } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    consumed += in_now;
  }
  deflateEnd(&z);
  out.resize(produced);
  return out;
}

Result<std::string> GzipDecompress(std::string_view data, std::string_view name) {
  auto corrupt = [&](std::string_view why) {
    std::string m(name);
    m += ": not a whole gzip file (";
    m += why;
    m += ")";
    return Status::Corruption(m);
  };
  std::string out;
  size_t consumed = 0;
  while (consumed < data.size()) {
    z_stream z{};
    if (inflateInit2(&z, kGzipWindow) != Z_OK) return Status::Internal("gzip: inflateInit2 failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + consumed));
    z.avail_in = static_cast<uInt>(data.size() - consumed);
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      if (out.capacity() - out.size() < kChunk / 4) out.reserve(out.size() + kChunk);
      const size_t before = out.size();
      out.resize(out.capacity());
      z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
      z.avail_out = static_cast<uInt>(out.size() - before);
      rc = inflate(&z, Z_NO_FLUSH);
      out.resize(out.size() - z.avail_out);
      if (rc == Z_STREAM_END) break;
      if (rc != Z_OK) {
        const std::string why = z.msg != nullptr ? z.msg : "cut short";
        inflateEnd(&z);
        return corrupt(rc == Z_BUF_ERROR ? "cut short" : why);
      }
    }
    consumed = data.size() - z.avail_in;
    inflateEnd(&z);
  }
  if (data.empty()) return corrupt("empty");
  return out;
}

}  // namespace vdpark
