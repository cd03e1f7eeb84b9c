#include "store/dynamodb/sigv4.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vdpark::sigv4 {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// The AWS test suite (awslabs/aws-c-auth v4 vectors) lives in shared/, beside the repo checkout,
// and stays there: a checkout without it skips the vectors (SigV4TestSuite.FolderIsPresent says
// so) and still runs the known-answer tests below, from AWS's own documentation.
fs::path SuiteDir() {
  if (const char* dir = std::getenv("VDPARK_SIGV4_TESTDATA"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return fs::path(VDPARK_SOURCE_DIR).parent_path() / "shared/testdata/aws-sigv4";
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(SuiteDir(), ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "context.json")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The expected outputs carry no trailing newline today; drop one if a future copy adds it.
std::string ReadExpected(const fs::path& path) {
  std::string text = ReadFile(path);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

struct SuiteCase {
  SigningRequest request;
  SigV4Params params;
  AwsCredentials credentials;
};

// request.txt: request line, headers (a line starting with whitespace continues the previous
// header's value; the line break is kept so that the signer's folding is what gets tested), a blank
// line, then the body verbatim.
::testing::AssertionResult ParseRequest(const std::string& text, SigningRequest* request) {
  size_t pos = 0;
  auto next_line = [&](std::string* line) {
    if (pos >= text.size()) return false;
    size_t end = text.find('\n', pos);
    const bool has_newline = end != std::string::npos;
    if (!has_newline) end = text.size();
    *line = text.substr(pos, end - pos);
    if (!line->empty() && line->back() == '\r') line->pop_back();
    pos = has_newline ? end + 1 : end;
    return true;
  };
  std::string line;
  if (!next_line(&line)) return ::testing::AssertionFailure() << "empty request.txt";
  // The target may contain spaces ("GET /example space/ HTTP/1.1"): it runs from the first space
  // to the last one.
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  if (first == std::string::npos || last <= first) {
    return ::testing::AssertionFailure() << "bad request line: " << line;
  }
  request->method = line.substr(0, first);
  const std::string target = line.substr(first + 1, last - first - 1);
  const size_t q = target.find('?');
  request->path = target.substr(0, q);
  request->query = q == std::string::npos ? "" : target.substr(q + 1);
  request->headers.clear();
  while (next_line(&line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') {
      if (request->headers.empty()) return ::testing::AssertionFailure() << "continuation first";
      request->headers.back().second.append("\n").append(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return ::testing::AssertionFailure() << "bad header: " << line;
    request->headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  request->body = pos < text.size() ? text.substr(pos) : "";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult LoadCase(const fs::path& dir, SuiteCase* c) {
  boost::system::error_code ec;
  const json::value context = json::parse(ReadFile(dir / "context.json"), ec);
  if (ec) return ::testing::AssertionFailure() << "context.json: " << ec.message();
  try {
    const json::object& o = context.as_object();
    const json::object& creds = o.at("credentials").as_object();
    c->credentials.access_key_id = json::value_to<std::string>(creds.at("access_key_id"));
    c->credentials.secret_access_key = json::value_to<std::string>(creds.at("secret_access_key"));
    if (const json::value* token = creds.if_contains("token")) {
      c->credentials.session_token = json::value_to<std::string>(*token);
    }
    c->params.region = json::value_to<std::string>(o.at("region"));
    c->params.service = json::value_to<std::string>(o.at("service"));
    c->params.normalize_path = o.at("normalize").as_bool();
    c->params.sign_body = o.at("sign_body").as_bool();
    if (const json::value* omit = o.if_contains("omit_session_token")) {
      c->params.omit_session_token = omit->as_bool();
    }
    Result<Timestamp> time = Timestamp::Parse(json::value_to<std::string>(o.at("timestamp")));
    if (!time.ok()) return ::testing::AssertionFailure() << time.status().ToString();
    c->params.time = *time;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "context.json: " << e.what();
  }
  return ParseRequest(ReadFile(dir / "request.txt"), &c->request);
}

// Skipped, not failed, without the folder: a clone on its own has no shared/ beside it. A folder
// that is there but holds no case is a broken copy, and fails.
TEST(SigV4TestSuite, FolderIsPresent) {
  const fs::path dir = SuiteDir();
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "the AWS SigV4 test vectors are not here, so they are not run: looked for "
                 << dir << " (shared/testdata/aws-sigv4 beside the repository, or set "
                 << "VDPARK_SIGV4_TESTDATA); the known-answer tests (SigV4KnownAnswer) still run";
  }
  EXPECT_FALSE(CaseNames().empty()) << "no case folders (with context.json) in " << dir;
}

class SigV4SuiteTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SigV4SuiteTest, MatchesExpectedOutputs) {
  const fs::path dir = SuiteDir() / GetParam();
  for (const char* file : {"header-canonical-request.txt", "header-string-to-sign.txt",
                           "header-signature.txt", "header-signed-request.txt"}) {
    ASSERT_TRUE(fs::exists(dir / file)) << dir / file << " is missing";
  }
  SuiteCase c;
  ASSERT_TRUE(LoadCase(dir, &c));

  Result<std::string> canonical = CanonicalRequest(c.request, c.params, c.credentials);
  ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
  EXPECT_EQ(*canonical, ReadExpected(dir / "header-canonical-request.txt"));
  const std::string string_to_sign = StringToSign(*canonical, c.params);
  EXPECT_EQ(string_to_sign, ReadExpected(dir / "header-string-to-sign.txt"));
  const std::string signature = Signature(string_to_sign, c.params, c.credentials);
  EXPECT_EQ(signature, ReadExpected(dir / "header-signature.txt"));

  // Sign() agrees with the steps, and every header it adds is in the expected signed request.
  Result<SignedRequest> signed_request = Sign(c.request, c.params, c.credentials);
  ASSERT_TRUE(signed_request.ok()) << signed_request.status().ToString();
  EXPECT_EQ(signed_request->canonical_request, *canonical);
  EXPECT_EQ(signed_request->string_to_sign, string_to_sign);
  EXPECT_EQ(signed_request->signature, signature);
  const std::string expected_request = ReadFile(dir / "header-signed-request.txt");
  for (const auto& [name, value] : signed_request->headers) {
    EXPECT_NE(expected_request.find("\n" + name + ":" + value + "\n"), std::string::npos)
        << name << ":" << value;
  }
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4SuiteTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });
// A missing folder yields no cases; FolderIsPresent reports that with the path.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SigV4SuiteTest);

// Known answers: the worked examples of AWS's published Signature Version 4 documentation, each
// request as the page shows it and the canonical request, string to sign and signature it gives.
// They need no file, so they run in every checkout. The headers the signer adds itself
// (X-Amz-Date, x-amz-content-sha256) are not in the request: it refuses them there.
struct KnownAnswer {
  SigningRequest request;
  SigV4Params params;
  AwsCredentials credentials;
  std::string canonical_request, string_to_sign, signature, authorization;
};

SigV4Params AnswerParams(const char* service, const char* time, bool sign_body = false) {
  SigV4Params p;
  p.region = "us-east-1";
  p.service = service;
  p.time = *Timestamp::Parse(time);
  p.sign_body = sign_body;
  return p;
}

void ExpectKnownAnswer(const KnownAnswer& k) {
  Result<std::string> canonical = CanonicalRequest(k.request, k.params, k.credentials);
  ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
  EXPECT_EQ(*canonical, k.canonical_request);
  const std::string string_to_sign = StringToSign(*canonical, k.params);
  EXPECT_EQ(string_to_sign, k.string_to_sign);
  EXPECT_EQ(Signature(string_to_sign, k.params, k.credentials), k.signature);
  Result<SignedRequest> s = Sign(k.request, k.params, k.credentials);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->signature, k.signature);
  ASSERT_FALSE(s->headers.empty());
  EXPECT_EQ(s->headers.back(), Header("Authorization", k.authorization));
}

const std::string kEmptyBodySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// IAM User Guide, "Create a signed AWS API request": GET ListUsers with the query in the URL.
TEST(SigV4KnownAnswer, IamListUsersGet) {
  KnownAnswer k;
  k.request.method = "GET";
  k.request.path = "/";
  k.request.query = "Action=ListUsers&Version=2010-05-08";
  k.request.headers = {{"Host", "iam.amazonaws.com"},
                       {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  k.params = AnswerParams("iam", "2015-08-30T12:36:00Z");
  k.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  k.canonical_request =
      "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
      "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
      "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
      "content-type;host;x-amz-date\n" +
      kEmptyBodySha256;
  k.string_to_sign =
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
      "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59";
  k.signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
  k.authorization =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=" +
      k.signature;
  ExpectKnownAnswer(k);
}

// The General Reference's earlier edition of the same example: POST ListUsers, the parameters in
// the body, whose SHA-256 is signed.
TEST(SigV4KnownAnswer, IamListUsersPost) {
  KnownAnswer k;
  k.request.method = "POST";
  k.request.path = "/";
  k.request.headers = {{"host", "iam.amazonaws.com"},
                       {"Content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  k.request.body = "Action=ListUsers&Version=2010-05-08";
  k.params = AnswerParams("iam", "2011-09-09T23:36:00Z");
  k.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  k.canonical_request =
      "POST\n/\n\n"
      "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
      "host:iam.amazonaws.com\nx-amz-date:20110909T233600Z\n\n"
      "content-type;host;x-amz-date\n"
      "b6359072c78d70ebee1e81adcbab4f01bf2c23245fa365ef83fe8f1f955085e2";
  k.string_to_sign =
      "AWS4-HMAC-SHA256\n20110909T233600Z\n20110909/us-east-1/iam/aws4_request\n"
      "3511de7e95d28ecd39e9513b642aee07e54f4941150d8df8bf94b328ef7e55e2";
  k.signature = "ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c";
  k.authorization =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/iam/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date, Signature=" +
      k.signature;
  ExpectKnownAnswer(k);
}

// Amazon S3 API Reference, "Signature Calculations for the Authorization Header", example GET
// Object: the first 10 bytes of test.txt, the empty payload's hash in x-amz-content-sha256. The
// page writes its Authorization header without spaces after the commas; the signature is what
// counts, and the SDKs' form (with them) is what S3 takes from us.
TEST(SigV4KnownAnswer, S3GetObjectWithRange) {
  KnownAnswer k;
  k.request.method = "GET";
  k.request.path = "/test.txt";
  k.request.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  k.params = AnswerParams("s3", "2013-05-24T00:00:00Z", /*sign_body=*/true);
  k.params.normalize_path = false;  // S3 keys are taken as they are
  k.credentials = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  k.canonical_request =
      "GET\n/test.txt\n\n"
      "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:" +
      kEmptyBodySha256 +
      "\nx-amz-date:20130524T000000Z\n\n"
      "host;range;x-amz-content-sha256;x-amz-date\n" +
      kEmptyBodySha256;
  k.string_to_sign =
      "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
      "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972";
  k.signature = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
  k.authorization =
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=" +
      k.signature;
  ExpectKnownAnswer(k);
}

// The known answers can fail: one character of the secret, the date or the request changes the
// signature, so a signer that ignored any of them would not pass the tests above.
TEST(SigV4KnownAnswer, AnyChangedInputChangesTheSignature) {
  SigningRequest request;
  request.method = "GET";
  request.query = "Action=ListUsers&Version=2010-05-08";
  request.headers = {{"Host", "iam.amazonaws.com"},
                     {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  const SigV4Params params = AnswerParams("iam", "2015-08-30T12:36:00Z");
  const AwsCredentials credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  const std::string documented = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
  ASSERT_EQ(Sign(request, params, credentials)->signature, documented);

  AwsCredentials other_secret = credentials;
  other_secret.secret_access_key.back() = 'Z';
  EXPECT_NE(Sign(request, params, other_secret)->signature, documented);
  SigV4Params next_second = params;
  next_second.time = next_second.time + kMicrosPerSecond;
  EXPECT_NE(Sign(request, next_second, credentials)->signature, documented);
  SigV4Params other_region = params;
  other_region.region = "us-east-2";
  EXPECT_NE(Sign(request, other_region, credentials)->signature, documented);
  SigningRequest other_query = request;
  other_query.query = "Action=ListUsers&Version=2010-05-09";
  EXPECT_NE(Sign(other_query, params, credentials)->signature, documented);
}

// A DynamoDB call as the store will make it.
SigningRequest DynamoRequest() {
  SigningRequest r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Host", "dynamodb.me-central-1.amazonaws.com"},
               {"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", "DynamoDB_20120810.GetItem"}};
  r.body = R"({"TableName":"VisionDrive-Parking","Key":{"PK":{"S":"ZONE#1"},"SK":{"S":"META"}}})";
  return r;
}

SigV4Params DynamoParams() {
  SigV4Params p;
  p.region = "me-central-1";
  p.service = "dynamodb";
  p.time = *Timestamp::Parse("2026-01-12T19:59:43Z");
  return p;
}

const AwsCredentials kCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

TEST(SigV4Test, AmzDateFormat) {
  EXPECT_EQ(AmzDate(*Timestamp::Parse("2015-08-30T12:36:00.999Z")), "20150830T123600Z");
  EXPECT_EQ(AmzDate(Timestamp::FromSeconds(0)), "19700101T000000Z");
}

TEST(SigV4Test, CachedSigningKeyGivesTheSameSignature) {
  SigningKeyCache cache;
  Result<SignedRequest> uncached = Sign(DynamoRequest(), DynamoParams(), kCredentials);
  Result<SignedRequest> first = Sign(DynamoRequest(), DynamoParams(), kCredentials, &cache);
  SigV4Params later = DynamoParams();
  later.time = later.time + 3600 * kMicrosPerSecond;  // same day: same key, new signature
  Result<SignedRequest> second = Sign(DynamoRequest(), later, kCredentials, &cache);
  ASSERT_TRUE(uncached.ok() && first.ok() && second.ok());
  EXPECT_EQ(first->signature, uncached->signature);
  EXPECT_NE(second->signature, first->signature);
  EXPECT_EQ(second->signature, Sign(DynamoRequest(), later, kCredentials)->signature);
  EXPECT_EQ(cache.derivations(), 1u);

  SigV4Params next_day = DynamoParams();
  next_day.time = next_day.time + kMicrosPerDay;
  ASSERT_TRUE(Sign(DynamoRequest(), next_day, kCredentials, &cache).ok());
  EXPECT_EQ(cache.derivations(), 2u);

  // A rotated secret under the same key id must not reuse the old key.
  AwsCredentials rotated = kCredentials;
  rotated.secret_access_key = "another-secret";
  Result<SignedRequest> after_rotation = Sign(DynamoRequest(), DynamoParams(), rotated, &cache);
  ASSERT_TRUE(after_rotation.ok());
  EXPECT_EQ(after_rotation->signature, Sign(DynamoRequest(), DynamoParams(), rotated)->signature);
  EXPECT_EQ(cache.derivations(), 3u);
}

TEST(SigV4Test, SessionTokenIsSentAndSigned) {
  AwsCredentials temporary = kCredentials;
  temporary.session_token = "FwoGZXIvYXdzEXAMPLETOKEN";
  Result<SignedRequest> s = Sign(DynamoRequest(), DynamoParams(), temporary);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->headers.size(), 3u);
  EXPECT_EQ(s->headers[0], Header("X-Amz-Security-Token", temporary.session_token));
  EXPECT_EQ(s->headers[1], Header("X-Amz-Date", "20260112T195943Z"));
  EXPECT_EQ(s->headers[2].first, "Authorization");
  EXPECT_NE(s->headers[2].second.find(
                "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"),
            std::string::npos)
      << s->headers[2].second;
  EXPECT_NE(s->canonical_request.find("\nx-amz-security-token:FwoGZXIvYXdzEXAMPLETOKEN\n"),
            std::string::npos);
  EXPECT_NE(s->signature, Sign(DynamoRequest(), DynamoParams(), kCredentials)->signature);
}

TEST(SigV4Test, SecretNeverAppearsInOutput) {
  AwsCredentials temporary = kCredentials;
  temporary.session_token = "TOKEN";
  SigV4Params params = DynamoParams();
  params.sign_body = true;
  Result<SignedRequest> s = Sign(DynamoRequest(), params, temporary);
  ASSERT_TRUE(s.ok());
  for (const auto& [name, value] : s->headers) {
    EXPECT_EQ(value.find(temporary.secret_access_key), std::string::npos) << name;
    EXPECT_EQ(value.find("wJalrXUtnFEMI"), std::string::npos) << name;
  }
  EXPECT_EQ(s->canonical_request.find("wJalrXUtnFEMI"), std::string::npos);
  EXPECT_EQ(s->string_to_sign.find("wJalrXUtnFEMI"), std::string::npos);
}

TEST(SigV4Test, AuthorizationHeaderFormat) {
  Result<SignedRequest> s = Sign(DynamoRequest(), DynamoParams(), kCredentials);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->headers.size(), 2u);
  EXPECT_EQ(s->headers[1].second,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260112/me-central-1/dynamodb/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" +
                s->signature);
  EXPECT_EQ(s->signature.size(), 64u);
}

TEST(SigV4Test, RejectsBadInput) {
  SigningRequest no_host = DynamoRequest();
  no_host.headers.erase(no_host.headers.begin());
  EXPECT_TRUE(Sign(no_host, DynamoParams(), kCredentials).status().IsInvalidArgument());

  SigningRequest dated = DynamoRequest();
  dated.headers.emplace_back("x-amz-date", "20260112T195943Z");
  Result<SignedRequest> s = Sign(dated, DynamoParams(), kCredentials);
  EXPECT_TRUE(s.status().IsInvalidArgument());
  EXPECT_NE(s.status().message().find("x-amz-date"), std::string::npos) << s.status().ToString();

  EXPECT_TRUE(Sign(DynamoRequest(), DynamoParams(), AwsCredentials{}).status().IsInvalidArgument());
  SigV4Params no_region = DynamoParams();
  no_region.region.clear();
  EXPECT_TRUE(Sign(DynamoRequest(), no_region, kCredentials).status().IsInvalidArgument());
}

TEST(SigV4Test, UnsignedHeadersAndQueryEncoding) {
  SigningRequest r = DynamoRequest();
  r.headers.emplace_back("User-Agent", "vdpark/1.0");
  r.query = "b=%7e+x&a&c=d%2Fe&&a=";
  Result<std::string> canonical = CanonicalRequest(r, DynamoParams(), kCredentials);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(canonical->find("user-agent"), std::string::npos);
  EXPECT_NE(canonical->find("\n/\na=&a=&b=~%2Bx&c=d%2Fe\n"), std::string::npos) << *canonical;
}

}  // namespace
}  // namespace vdpark::sigv4

namespace vdpark::sigv4 {
namespace {

// The encoding S3's request lines need (S3GetObjectWithRange above signs an S3 request).
TEST(SigV4UriEncode, KeepsUnreservedAndSlashOnlyWhenAsked) {
  EXPECT_EQ(UriEncode("events/2026-01-12.csv.gz", true), "events/2026-01-12.csv.gz");
  EXPECT_EQ(UriEncode("a b/c+d~e", true), "a%20b/c%2Bd~e");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
}

}  // namespace
}  // namespace vdpark::sigv4
