// The shape of S3Client's requests, seen by a proxy (tests/fault_proxy.h) in front of s3rver, for
// the two things s3rver does not check: that every request's SigV4 signature covers what curl
// actually sends (s3rver checks only that the key id is known), and that a multipart upload whose
// part fails is aborted (s3rver answers AbortMultipartUpload with 405).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fault_proxy.h"
#include "s3rver.h"
#include "store/dynamodb/sigv4.h"
#include "store/s3/s3_client.h"

namespace vdpark {
namespace {

using testing::Bytes;
using testing::FaultProxy;
using testing::FaultProxyOptions;
using testing::ObservedRequest;
using testing::S3rverClientOptions;
using testing::UniqueBucketName;

constexpr std::string_view kKeyId = "AKIDVDPARKTEST";
constexpr std::string_view kSecret = "vdpark-test-secret";  // what the client signs with
constexpr std::string_view kRegion = "me-central-1";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Every request the proxy saw, in order.
class Recorder {
 public:
  void Add(const ObservedRequest& r) {
    std::lock_guard lock(mu_);
    seen_.push_back(r);
  }
  std::vector<ObservedRequest> All() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::vector<ObservedRequest> seen_;
};

// The first value of header `name` (any case), nullopt when absent.
std::optional<std::string> HeaderOf(const ObservedRequest& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (Lower(n) == Lower(name)) return v;
  }
  return std::nullopt;
}

std::string PathOf(const ObservedRequest& r) {
  return r.target.substr(0, r.target.find('?'));
}
std::string QueryOf(const ObservedRequest& r) {
  const size_t q = r.target.find('?');
  return q == std::string::npos ? "" : r.target.substr(q + 1);
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// "20261206T200102Z" as a Timestamp; nullopt when malformed.
std::optional<Timestamp> ParseAmzDate(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return Timestamp::FromSeconds(static_cast<int64_t>(timegm(&tm)));
}

// The parts of "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
struct Authorization {
  std::string credential;
  std::string signed_headers;
  std::string signature;
};

std::optional<Authorization> ParseAuthorization(std::string_view a) {
  constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256 ";
  if (!a.starts_with(kAlgorithm)) return std::nullopt;
  a.remove_prefix(kAlgorithm.size());
  Authorization out;
  for (std::string* field : {&out.credential, &out.signed_headers, &out.signature}) {
    const size_t eq = a.find('=');
    const size_t comma = a.find(", ");
    if (eq == std::string_view::npos) return std::nullopt;
    *field =
        std::string(a.substr(eq + 1, comma == std::string_view::npos ? a.npos : comma - eq - 1));
    a = comma == std::string_view::npos ? std::string_view() : a.substr(comma + 2);
  }
  return out;
}

// What the signature of `r` must be, recomputed from the request as received: its method, path,
// query, body and the values of the headers its Authorization names, signed with `secret` the way
// S3 checks it (the path decoded once and encoded once, no normalization). nullopt (and a test
// failure) when the request lacks a header the signature needs.
std::optional<std::string> RecomputeSignature(const ObservedRequest& r, std::string_view secret) {
  const std::optional<std::string> auth_header = HeaderOf(r, "authorization");
  const std::optional<std::string> date = HeaderOf(r, "x-amz-date");
  if (!auth_header || !date) {
    ADD_FAILURE() << "no Authorization or x-amz-date";
    return std::nullopt;
  }
  const std::optional<Authorization> auth = ParseAuthorization(*auth_header);
  const std::optional<Timestamp> time = ParseAmzDate(*date);
  if (!auth || !time) {
    ADD_FAILURE() << "malformed Authorization or x-amz-date: " << *auth_header << " / " << *date;
    return std::nullopt;
  }
  sigv4::SigningRequest sr;
  sr.method = r.method;
  sr.path = PercentDecode(PathOf(r));
  sr.query = QueryOf(r);
  sr.body = r.body;
  std::string_view names = auth->signed_headers;
  while (!names.empty()) {
    const size_t semi = names.find(';');
    const std::string name(names.substr(0, semi));
    names = semi == std::string_view::npos ? std::string_view() : names.substr(semi + 1);
    // CanonicalRequest adds these two itself, from params.time and the body.
    if (name == "x-amz-date" || name == "x-amz-content-sha256") continue;
    const std::optional<std::string> value = HeaderOf(r, name);
    if (!value) {
      ADD_FAILURE() << "header '" << name << "' is signed but was not sent";
      return std::nullopt;
    }
    sr.headers.emplace_back(name, *value);
  }
  sigv4::SigV4Params params;
  params.region = std::string(kRegion);
  params.service = "s3";
  params.time = *time;
  params.normalize_path = false;
  params.sign_body = true;
  const AwsCredentials credentials{std::string(kKeyId), std::string(secret), ""};
  Result<std::string> canonical = sigv4::CanonicalRequest(sr, params, credentials);
  if (!canonical.ok()) {
    ADD_FAILURE() << canonical.status().ToString();
    return std::nullopt;
  }
  // Its second-to-last line lists the headers signed: they must be the ones the client named.
  const size_t last = canonical->rfind('\n');
  const size_t before = canonical->rfind('\n', last - 1);
  EXPECT_EQ(canonical->substr(before + 1, last - before - 1), auth->signed_headers);
  return sigv4::Signature(sigv4::StringToSign(*canonical, params), params, credentials);
}

// Every check of the brief on one request as the proxy saw it.
void ExpectSignedOverWhatIsSent(const ObservedRequest& r) {
  SCOPED_TRACE(r.method + " " + r.target);
  EXPECT_EQ(HeaderOf(r, "x-amz-content-sha256").value_or("(absent)"), sigv4::Sha256Hex(r.body));
  const std::optional<std::string> date = HeaderOf(r, "x-amz-date");
  ASSERT_TRUE(date.has_value());
  ASSERT_EQ(date->size(), 16u) << *date;
  const std::optional<std::string> auth_header = HeaderOf(r, "authorization");
  ASSERT_TRUE(auth_header.has_value());
  std::string prefix = "AWS4-HMAC-SHA256 Credential=";
  prefix += kKeyId;
  prefix += "/" + date->substr(0, 8) + "/";
  prefix += kRegion;
  prefix += "/s3/aws4_request, SignedHeaders=";
  EXPECT_TRUE(auth_header->starts_with(prefix)) << *auth_header;
  const std::optional<Authorization> auth = ParseAuthorization(*auth_header);
  ASSERT_TRUE(auth.has_value()) << *auth_header;
  std::set<std::string> signed_names;
  for (size_t start = 0; start <= auth->signed_headers.size();) {
    size_t semi = auth->signed_headers.find(';', start);
    if (semi == std::string::npos) semi = auth->signed_headers.size();
    signed_names.insert(auth->signed_headers.substr(start, semi - start));
    start = semi + 1;
  }
  for (const char* needed : {"host", "x-amz-content-sha256", "x-amz-date"}) {
    EXPECT_TRUE(signed_names.contains(needed)) << needed << " not in " << auth->signed_headers;
  }
  // S3 signs the path encoded once: what is on the wire must already be that form, or a server
  // that signs the path as received and one that re-encodes the key would disagree.
  EXPECT_EQ(sigv4::UriEncode(PercentDecode(PathOf(r)), /*keep_slash=*/true), PathOf(r));

  const std::optional<std::string> expected = RecomputeSignature(r, kSecret);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(*expected, auth->signature);
  // The check can fail: another secret, or one byte of a signed header changed, signs otherwise.
  EXPECT_NE(RecomputeSignature(r, "not-the-secret").value_or(""), auth->signature);
  ObservedRequest tampered = r;
  for (auto& [name, value] : tampered.headers) {
    if (Lower(name) == "host") value += "0";
  }
  EXPECT_NE(RecomputeSignature(tampered, kSecret).value_or(""), auth->signature);
}

struct ProxiedClient {
  std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();
  std::unique_ptr<FaultProxy> proxy;
  std::unique_ptr<S3Client> client;
};

// A client of s3rver behind a recording proxy, parts of 16 KiB.
std::optional<ProxiedClient> Connect(const std::string& endpoint, int max_attempts,
                                     FaultProxyOptions po = {}) {
  ProxiedClient pc;
  po.upstream = endpoint;
  po.on_request = [recorder = pc.recorder](const ObservedRequest& r) { recorder->Add(r); };
  Result<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(std::move(po));
  if (!proxy.ok()) {
    ADD_FAILURE() << proxy.status().ToString();
    return std::nullopt;
  }
  pc.proxy = std::move(*proxy);
  S3ClientOptions o = S3rverClientOptions(pc.proxy->endpoint());
  o.part_size = 16 * 1024;
  o.max_attempts = max_attempts;
  Result<std::unique_ptr<S3Client>> client = S3Client::Create(o);
  if (!client.ok()) {
    ADD_FAILURE() << client.status().ToString();
    return std::nullopt;
  }
  pc.client = std::move(*client);
  return pc;
}

TEST(S3RequestShapeTest, EveryRequestIsSignedForS3OverWhatIsSent) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  std::optional<ProxiedClient> pc = Connect(endpoint, 10);
  ASSERT_TRUE(pc.has_value());
  S3Client& c = *pc->client;
  const std::string bucket = UniqueBucketName("shape");
  // Space, '+' and '~' in a key: encoded as %20, %2B and kept as ~, in the path and the query.
  const std::string dir = "a b+c~d/";
  const std::string small_key = dir + "e.csv.gz";
  const std::string big_key = dir + "big.bin";
  const std::string small = "hello, s3\n";
  const std::string big = Bytes(16 * 1024 * 3 + 100, 3);  // 4 parts, the last short

  ASSERT_TRUE(c.CreateBucket(bucket).ok());
  Status put = c.PutObject(bucket, small_key, small);
  ASSERT_TRUE(put.ok()) << put.ToString();
  put = c.PutObject(bucket, big_key, big);
  ASSERT_TRUE(put.ok()) << put.ToString();
  Result<std::string> got = c.GetObject(bucket, small_key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, small);
  Result<std::optional<S3ObjectInfo>> head = c.HeadObject(bucket, big_key);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->size, big.size());
  Result<std::vector<S3ObjectInfo>> listed = c.ListObjects(bucket, dir);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, big_key);
  EXPECT_EQ((*listed)[1].key, small_key);
  ASSERT_TRUE(c.DeleteObject(bucket, small_key).ok());
  ASSERT_TRUE(c.DeleteObject(bucket, big_key).ok());

  const std::vector<ObservedRequest> seen = pc->recorder->All();
  EXPECT_EQ(pc->proxy->counters().requests.load(), seen.size());
  // The requests the calls above make, each seen and answered with success.
  const std::string bucket_path = "/" + bucket;
  const std::string small_path = bucket_path + "/a%20b%2Bc~d/e.csv.gz";
  const std::string big_path = bucket_path + "/a%20b%2Bc~d/big.bin";
  int create_bucket = 0, put_small = 0, create_upload = 0, parts = 0, complete = 0, get = 0,
      heads = 0, lists = 0, deletes = 0;
  for (const ObservedRequest& r : seen) {
    SCOPED_TRACE(r.method + " " + r.target);
    EXPECT_GE(r.answer_status, 200);
    EXPECT_LT(r.answer_status, 300);
    const std::string path = PathOf(r);
    const std::string query = QueryOf(r);
    if (r.method == "PUT" && path == bucket_path) ++create_bucket;
    if (r.method == "PUT" && path == small_path && query.empty()) ++put_small;
    if (r.method == "POST" && path == big_path && query == "uploads=") ++create_upload;
    if (r.method == "PUT" && path == big_path && query.starts_with("partNumber=")) ++parts;
    if (r.method == "POST" && path == big_path && query.starts_with("uploadId=")) ++complete;
    if (r.method == "GET" && path == small_path) ++get;
    if (r.method == "HEAD" && path == big_path) ++heads;
    if (r.method == "GET" && path == bucket_path &&
        query.find("prefix=a%20b%2Bc~d%2F") != query.npos) {
      ++lists;
    }
    if (r.method == "DELETE" && (path == small_path || path == big_path)) ++deletes;
  }
  EXPECT_EQ(create_bucket, 1);
  EXPECT_EQ(put_small, 1);
  EXPECT_EQ(create_upload, 1);
  EXPECT_EQ(parts, 4);
  EXPECT_EQ(complete, 1);
  EXPECT_EQ(get, 1);
  EXPECT_EQ(heads, 1);
  EXPECT_EQ(lists, 1);
  EXPECT_EQ(deletes, 2);
  EXPECT_EQ(seen.size(), 13u);

  for (const ObservedRequest& r : seen) ExpectSignedOverWhatIsSent(r);
}

TEST(S3RequestShapeTest, AFailedMultipartUploadIsAborted) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  const std::string bucket = UniqueBucketName("abort");
  const std::string key = "doomed/part.bin";
  const std::string key_path = "/" + bucket + "/" + key;
  FaultProxyOptions po;
  // Every UploadPart of that one object fails as S3 fails under trouble.
  po.fail_with = [key_path](const ObservedRequest& r) -> std::optional<int> {
    if (r.method == "PUT" && PathOf(r) == key_path && QueryOf(r).starts_with("partNumber=")) {
      return 500;
    }
    return std::nullopt;
  };
  std::optional<ProxiedClient> pc = Connect(endpoint, 3, std::move(po));
  ASSERT_TRUE(pc.has_value());
  S3Client& c = *pc->client;
  ASSERT_TRUE(c.CreateBucket(bucket).ok());

  const Status put = c.PutObject(bucket, key, Bytes(16 * 1024 * 2 + 1, 5));
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.message().find("s3://" + bucket + "/" + key), std::string::npos) << put.ToString();
  EXPECT_NE(put.message().find("UploadPart"), std::string::npos) << put.ToString();
  EXPECT_NE(put.message().find("InternalError"), std::string::npos) << put.ToString();
  EXPECT_EQ(pc->proxy->counters().failed.load(), 3u) << "part 1, tried max_attempts times";

  const std::vector<ObservedRequest> seen = pc->recorder->All();
  std::optional<std::string> upload_id;
  size_t last_part = 0, aborts = 0, abort_at = 0;
  for (size_t i = 0; i < seen.size(); ++i) {
    const ObservedRequest& r = seen[i];
    SCOPED_TRACE(r.method + " " + r.target);
    if (PathOf(r) != key_path) continue;
    const std::string query = QueryOf(r);
    if (r.method == "POST" && query == "uploads=") {
      ASSERT_EQ(r.answer_status, 200);
      const size_t open = r.answer_body.find("<UploadId>");
      const size_t close = r.answer_body.find("</UploadId>");
      ASSERT_NE(open, std::string::npos) << r.answer_body;
      ASSERT_NE(close, std::string::npos) << r.answer_body;
      upload_id = r.answer_body.substr(open + 10, close - open - 10);
    } else if (r.method == "PUT") {
      EXPECT_EQ(r.answer_status, 500);
      last_part = i;
    } else if (r.method == "DELETE") {
      ASSERT_TRUE(upload_id.has_value()) << "aborted before the upload was made";
      EXPECT_EQ(query, "uploadId=" + sigv4::UriEncode(*upload_id, false));
      ++aborts;
      abort_at = i;
    } else {
      ADD_FAILURE() << "unexpected request for the object (a CompleteMultipartUpload?)";
    }
  }
  ASSERT_TRUE(upload_id.has_value()) << "no CreateMultipartUpload seen";
  EXPECT_EQ(aborts, 1u) << "one AbortMultipartUpload (s3rver answers it 405, not retried)";
  EXPECT_GT(abort_at, last_part) << "aborted after the part's last try";

  // Nothing was stored under the key.
  Result<std::optional<S3ObjectInfo>> head = c.HeadObject(bucket, key);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_FALSE(head->has_value());
}

}  // namespace
}  // namespace vdpark
