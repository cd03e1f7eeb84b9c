// gzip (RFC 1952) on zlib, for the s3:// store's objects: readable by `gunzip`, `zcat` and any
// other tool.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace vdpark {

// `data` as one gzip member, compressed at zlib's default level.
Result<std::string> GzipCompress(std::string_view data);

// The bytes of every gzip member in `data`, one after another (as gunzip reads concatenated
// members). kCorruption naming `name` when `data` is not gzip, is cut short or fails its CRC.
Result<std::string> GzipDecompress(std::string_view data, std::string_view name);

}  // namespace vdpark
