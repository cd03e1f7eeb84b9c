// AWS Signature Version 4: signs an HTTP request the way the AWS SDKs do (aws-c-auth, botocore),
// so that DynamoDB, or any server that checks SigV4, accepts it.
//
// The signature goes in the Authorization header (not in a presigned URL). Steps, each exposed so
// tests can compare them with the AWS test suite byte for byte:
//   CanonicalRequest -> StringToSign -> Signature -> Sign (the headers to add to the request).
//
// Canonical form, as the SDKs build it:
//   - header names lowercased and sorted (stable); repeated headers joined with ',' in the order
//     given; values trimmed, runs of whitespace (including folded line breaks) squashed to one
//     space; headers that proxies rewrite (User-Agent, X-Amzn-Trace-Id, Expect, Connection,
//     Upgrade, Sec-WebSocket-*) are left unsigned;
//   - the path normalized when asked (dot segments removed, "//" collapsed, a trailing '/' kept)
//     and then URI-encoded once more, as every service but S3 expects;
//   - query parameters %-decoded, re-encoded per RFC 3986 ('~' unreserved, space as %20, a literal
//     '+' as %2B), sorted by encoded key then value; a parameter without '=' becomes "key=".
//
// Secrets: the secret access key and keys derived from it never appear in a returned string other
// than as an HMAC output.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "domain/timestamp.h"

namespace vdpark {

// Credentials as the AWS tools hold them. The secret is never logged: use Redacted()
// (aws_config.h).
struct AwsCredentials {
  std::string access_key_id;      // "AKIDEXAMPLE"
  std::string secret_access_key;  // never printed
  std::string session_token;      // temporary credentials (STS); empty for long-term keys
};

namespace sigv4 {

using Header = std::pair<std::string, std::string>;  // name, value
using Headers = std::vector<Header>;

// The request as it will go on the wire.
struct SigningRequest {
  std::string method = "POST";  // "GET", "POST", ...
  std::string path = "/";       // as in the request line, without the query; empty means "/"
  std::string query;            // as in the request line after '?', without the '?'; may be empty
  Headers headers;              // in order, duplicates kept; must include Host
  std::string body;             // the payload; its SHA-256 is always signed
};

struct SigV4Params {
  std::string region;               // "me-central-1"
  std::string service;              // "dynamodb"
  Timestamp time;                   // the signing instant (whole seconds are used); usually now
  bool normalize_path = true;       // remove dot segments and empty segments before encoding
  bool sign_body = false;           // also send and sign x-amz-content-sha256 (S3 wants it)
  bool omit_session_token = false;  // send the token unsigned (only IoT wants this)
};

// "20150830T123600Z": the X-Amz-Date form of `time` (UTC, whole seconds).
std::string AmzDate(Timestamp time);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// `in` %-encoded as SigV4 encodes paths and query values (RFC 3986: A-Z a-z 0-9 - . _ ~ kept,
// every other byte as %XX in upper case), '/' kept when keep_slash. What a request line must carry
// for the canonical request to match it (S3 paths are encoded once: sign the plain path with
// normalize_path off).
std::string UriEncode(std::string_view in, bool keep_slash);

// The canonical request (no trailing newline). The headers signed are the request's plus
// X-Amz-Date, X-Amz-Security-Token (when `credentials` carry a token and it is not omitted) and
// x-amz-content-sha256 (when sign_body). kInvalidArgument when the request has no Host header, or
// already carries a header this function adds (Authorization, X-Amz-Date, ...): the message names
// it.
Result<std::string> CanonicalRequest(const SigningRequest& request, const SigV4Params& params,
                                     const AwsCredentials& credentials);

// "AWS4-HMAC-SHA256\n<amz date>\n<date>/<region>/<service>/aws4_request\n<hex sha256 of it>".
std::string StringToSign(std::string_view canonical_request, const SigV4Params& params);

// Remembers derived signing keys: a key depends only on the secret, the day, the region and the
// service, and costs 4 HMACs to derive, so one is derived per day instead of per request.
// Thread-safe. Holds key material: keep it no longer than the credentials it serves.
class SigningKeyCache {
 public:
  SigningKeyCache() = default;
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;
  ~SigningKeyCache();

  // The 32-byte signing key for `date` ("20150830"), derived on first use.
  std::string Get(const AwsCredentials& credentials, std::string_view date, std::string_view region,
                  std::string_view service);

  // How many keys were derived (cache misses) since construction.
  uint64_t derivations() const;

 private:
  struct Entry {
    std::string secret;  // the key is reused only for the same secret (keys rotate)
    std::string key;
  };
  static constexpr size_t kMaxEntries = 16;  // a process signs for a few region/service pairs

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;  // "akid\ndate\nregion\nservice"
  uint64_t derivations_ = 0;
};

// Lowercase hex HMAC-SHA256 of `string_to_sign` under the key derived for params' day, region and
// service. With a cache, the derived key is reused; without, it is derived for this call.
std::string Signature(std::string_view string_to_sign, const SigV4Params& params,
                      const AwsCredentials& credentials, SigningKeyCache* cache = nullptr);

// Everything one signing produces; `headers` are what the caller adds to the request.
struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  // In this order: X-Amz-Security-Token (with a token), X-Amz-Date, x-amz-content-sha256 (when
  // sign_body), Authorization.
  Headers headers;
};

// Signs `request`. kInvalidArgument, naming the field, when the credentials or params are
// incomplete, or as CanonicalRequest() reports.
Result<SignedRequest> Sign(const SigningRequest& request, const SigV4Params& params,
                           const AwsCredentials& credentials, SigningKeyCache* cache = nullptr);

}  // namespace sigv4
}  // namespace vdpark
