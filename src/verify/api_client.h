// ApiGet: one GET of a REST API, for the commands that read one (verify-api, probe), over libcurl.
#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace vdpark {

struct ApiReply {
  long status = 0;
  std::string body;
};

// One GET of `url`: the status and body, with X-Api-Key when `api_key` is set. Unavailable
// (naming the URL) when no answer came within `timeout`. Each thread keeps its connection open
// from one call to the next.
Result<ApiReply> ApiGet(const std::string& url, const std::string& api_key,
                        std::chrono::milliseconds timeout);

}  // namespace vdpark
