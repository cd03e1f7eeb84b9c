#include "store/dynamodb/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace vdpark::sigv4 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kScopeTerminator = "aws4_request";

using Digest = std::array<unsigned char, 32>;

Digest Sha256(std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  // EVP_Digest is the one-shot API that OpenSSL 3 does not deprecate; it cannot fail for SHA-256
  // short of memory exhaustion, which we do not try to survive.
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

Digest HmacSha256(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int len = 0;
  // One-shot HMAC() is not deprecated in OpenSSL 3 (only the HMAC_CTX functions are).
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return out;
}

std::string_view AsView(const Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string Hex(const Digest& d) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(d.size() * 2);
  for (unsigned char c : d) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

// kSecret -> kDate -> kRegion -> kService -> kSigning, as the SigV4 specification defines it.
std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string seed = "AWS4";
  seed.append(secret);
  Digest k = HmacSha256(seed, date);
  OPENSSL_cleanse(seed.data(), seed.size());  // the secret should not linger in freed memory
  k = HmacSha256(AsView(k), region);
  k = HmacSha256(AsView(k), service);
  k = HmacSha256(AsView(k), kScopeTerminator);
  std::string key(AsView(k));
  OPENSSL_cleanse(k.data(), k.size());
  return key;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void AppendUriEncoded(std::string_view in, bool keep_slash, std::string* out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out->push_back(ch);
    } else {
      out->push_back('%');
      out->push_back(kDigits[c >> 4]);
      out->push_back(kDigits[c & 0xF]);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX -> byte. A '%' not followed by two hex digits stays literal (and is re-encoded as %25), and
// '+' stays '+': SigV4 query strings are RFC 3986, not HTML forms.
std::string UriDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

// Split on '/', drop "" and ".", pop on "..", rejoin; keeps a trailing '/' (aws-c-auth's rule).
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> kept;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    start = end + 1;
  }
  const bool trailing_slash = !path.empty() && path.back() == '/';
  std::string out = "/";
  for (size_t i = 0; i < kept.size(); ++i) {
    out.append(kept[i]);
    if (i + 1 < kept.size() || trailing_slash) out.push_back('/');
  }
  return out;
}

std::string CanonicalPath(std::string_view path, bool normalize) {
  if (path.empty()) path = "/";
  std::string out;
  if (normalize) {
    AppendUriEncoded(NormalizePath(path), /*keep_slash=*/true, &out);
  } else {
    AppendUriEncoded(path, /*keep_slash=*/true, &out);
  }
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view param = query.substr(start, end - start);
    start = end + 1;
    if (param.empty()) continue;
    const size_t eq = param.find('=');
    const std::string_view key = param.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
    // Decode first so that an already-encoded parameter is not encoded twice.
    std::string k, v;
    AppendUriEncoded(UriDecode(key), /*keep_slash=*/false, &k);
    AppendUriEncoded(UriDecode(value), /*keep_slash=*/false, &v);
    params.emplace_back(std::move(k), std::move(v));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(k).append("=").append(v);
  }
  return out;
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Trims and squashes every run of whitespace, so a value folded over several lines signs the same
// as the one-line form a server sees after unfolding.
void AppendCanonicalValue(std::string_view value, std::string* out) {
  while (!value.empty() && IsSpace(value.front())) value.remove_prefix(1);
  while (!value.empty() && IsSpace(value.back())) value.remove_suffix(1);
  bool in_space = false;
  for (char c : value) {
    const bool space = IsSpace(c);
    if (!space) {
      out->push_back(c);
    } else if (!in_space) {
      out->push_back(' ');
    }
    in_space = space;
  }
}

// Proxies and HTTP stacks add or rewrite these in transit; signing them would break the signature.
bool IsUnsignedHeader(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 8> kUnsigned = {
      "user-agent",        "x-amzn-trace-id",        "connection",           "expect", "upgrade",
      "sec-websocket-key", "sec-websocket-protocol", "sec-websocket-version"};
  return std::find(kUnsigned.begin(), kUnsigned.end(), lower_name) != kUnsigned.end();
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" per header
  std::string signed_names;  // "host;x-amz-date"
};

// The headers the signer adds itself, in the order they go on the request.
Headers AddedHeaders(const SigV4Params& params, const AwsCredentials& credentials,
                     std::string_view payload_hash, bool include_unsigned_token) {
  Headers added;
  if (!credentials.session_token.empty() &&
      (include_unsigned_token || !params.omit_session_token)) {
    added.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  added.emplace_back("X-Amz-Date", AmzDate(params.time));
  if (params.sign_body) added.emplace_back("x-amz-content-sha256", std::string(payload_hash));
  return added;
}

// `added` are signed; `reserved` (a superset) may not appear among the request's own headers.
Result<CanonicalHeaders> BuildCanonicalHeaders(const Headers& request_headers, const Headers& added,
                                               const Headers& reserved) {
  // Lowercased name, value, original position: the position keeps repeated headers in order.
  std::vector<std::pair<std::string, std::string_view>> all;
  bool has_host = false;
  for (const auto& [name, value] : request_headers) {
    std::string lower = Lowercase(name);
    for (const auto& [reserved_name, unused] : reserved) {
      if (lower == Lowercase(reserved_name)) {
        return Status::InvalidArgument("request header '" + name +
                                       "' is set by the signer; leave it out");
      }
    }
    if (lower == "authorization") {
      return Status::InvalidArgument("request header 'Authorization' is set by the signer");
    }
    if (lower == "host") has_host = true;
    if (IsUnsignedHeader(lower)) continue;
    all.emplace_back(std::move(lower), value);
  }
  if (!has_host) return Status::InvalidArgument("request has no Host header; SigV4 signs it");
  for (const auto& [name, value] : added) all.emplace_back(Lowercase(name), value);
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  CanonicalHeaders out;
  for (size_t i = 0; i < all.size(); ++i) {
    const bool repeat = i > 0 && all[i].first == all[i - 1].first;
    if (repeat) {
      out.block.push_back(',');
    } else {
      if (i > 0) {
        out.block.push_back('\n');
        out.signed_names.push_back(';');
      }
      out.block.append(all[i].first).push_back(':');
      out.signed_names.append(all[i].first);
    }
    AppendCanonicalValue(all[i].second, &out.block);
  }
  out.block.push_back('\n');
  return out;
}

struct Canonical {
  std::string request;
  std::string signed_names;
  std::string payload_hash;
};

Result<Canonical> BuildCanonical(const SigningRequest& request, const SigV4Params& params,
                                 const AwsCredentials& credentials) {
  Canonical c;
  c.payload_hash = Sha256Hex(request.body);
  const Headers added = AddedHeaders(params, credentials, c.payload_hash, false);
  const Headers reserved = AddedHeaders(params, credentials, c.payload_hash, true);
  VDPARK_ASSIGN_OR_RETURN(CanonicalHeaders headers,
                          BuildCanonicalHeaders(request.headers, added, reserved));
  c.signed_names = std::move(headers.signed_names);
  std::string& r = c.request;
  r.append(request.method).push_back('\n');
  r.append(CanonicalPath(request.path, params.normalize_path)).push_back('\n');
  r.append(CanonicalQuery(request.query)).push_back('\n');
  r.append(headers.block).push_back('\n');
  r.append(c.signed_names).push_back('\n');
  r.append(c.payload_hash);
  return c;
}

std::string CredentialScope(const SigV4Params& params) {
  return AmzDate(params.time).substr(0, 8) + "/" + params.region + "/" + params.service + "/" +
         std::string(kScopeTerminator);
}

}  // namespace

std::string AmzDate(Timestamp time) {
  const int64_t seconds = time.seconds();
  const int64_t days = Timestamp::FloorDiv(seconds, 86400);
  const int64_t in_day = seconds - days * 86400;
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld%02u%02uT%02lld%02lld%02lldZ", static_cast<long long>(y),
                m, d, static_cast<long long>(in_day / 3600),
                static_cast<long long>(in_day / 60 % 60), static_cast<long long>(in_day % 60));
  return buf;
}

std::string Sha256Hex(std::string_view data) {
  return Hex(Sha256(data));
}

std::string UriEncode(std::string_view in, bool keep_slash) {
  std::string out;
  out.reserve(in.size());
  AppendUriEncoded(in, keep_slash, &out);
  return out;
}

Result<std::string> CanonicalRequest(const SigningRequest& request, const SigV4Params& params,
                                     const AwsCredentials& credentials) {
  VDPARK_ASSIGN_OR_RETURN(Canonical c, BuildCanonical(request, params, credentials));
  return std::move(c.request);
}

std::string StringToSign(std::string_view canonical_request, const SigV4Params& params) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out.append(AmzDate(params.time)).push_back('\n');
  out.append(CredentialScope(params)).push_back('\n');
  out.append(Sha256Hex(canonical_request));
  return out;
}

SigningKeyCache::~SigningKeyCache() {
  for (auto& [unused, entry] : entries_) {
    OPENSSL_cleanse(entry.secret.data(), entry.secret.size());
    OPENSSL_cleanse(entry.key.data(), entry.key.size());
  }
}

std::string SigningKeyCache::Get(const AwsCredentials& credentials, std::string_view date,
                                 std::string_view region, std::string_view service) {
  std::string id = credentials.access_key_id;
  id.append("\n").append(date).append("\n").append(region).append("\n").append(service);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end() && it->second.secret == credentials.secret_access_key) {
    return it->second.key;
  }
  ++derivations_;
  std::string key = DeriveSigningKey(credentials.secret_access_key, date, region, service);
  if (it == entries_.end() && entries_.size() >= kMaxEntries) {
    // Yesterday's keys are what fills the cache in a long-running process; start over.
    entries_.clear();
  }
  entries_[id] = Entry{credentials.secret_access_key, key};
  return key;
}

uint64_t SigningKeyCache::derivations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return derivations_;
}

std::string Signature(std::string_view string_to_sign, const SigV4Params& params,
                      const AwsCredentials& credentials, SigningKeyCache* cache) {
  const std::string date = AmzDate(params.time).substr(0, 8);
  std::string key = cache != nullptr ? cache->Get(credentials, date, params.region, params.service)
                                     : DeriveSigningKey(credentials.secret_access_key, date,
                                                        params.region, params.service);
  std::string signature = Hex(HmacSha256(key, string_to_sign));
  OPENSSL_cleanse(key.data(), key.size());
  return signature;
}

Result<SignedRequest> Sign(const SigningRequest& request, const SigV4Params& params,
                           const AwsCredentials& credentials, SigningKeyCache* cache) {
  if (credentials.access_key_id.empty()) {
    return Status::InvalidArgument("SigV4: the access key id is empty");
  }
  if (credentials.secret_access_key.empty()) {
    return Status::InvalidArgument("SigV4: the secret access key is empty");
  }
  if (params.region.empty()) return Status::InvalidArgument("SigV4: the region is empty");
  if (params.service.empty()) return Status::InvalidArgument("SigV4: the service is empty");
  if (request.method.empty()) return Status::InvalidArgument("SigV4: the HTTP method is empty");

  VDPARK_ASSIGN_OR_RETURN_WITH(Canonical canonical, BuildCanonical(request, params, credentials),
                               "SigV4");
  SignedRequest out;
  out.canonical_request = std::move(canonical.request);
  out.string_to_sign = StringToSign(out.canonical_request, params);
  out.signature = Signature(out.string_to_sign, params, credentials, cache);
  out.headers = AddedHeaders(params, credentials, canonical.payload_hash, true);
  out.headers.emplace_back(
      "Authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                           CredentialScope(params) + ", SignedHeaders=" + canonical.signed_names +
                           ", Signature=" + out.signature);
  return out;
}

}  // namespace vdpark::sigv4
