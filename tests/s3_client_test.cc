// S3Client against s3rver (tests/s3rver.h): every call vdpark's s3:// store makes, signed and
// checked by the server; multipart upload; paging; errors naming the object and S3's code; and
// retries through a proxy that drops connections (tests/fault_proxy.h).
#include "store/s3/s3_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fault_proxy.h"
#include "s3rver.h"
#include "store/dynamodb/sigv4.h"

namespace vdpark {
namespace {

using testing::Bytes;
using testing::S3rverClientOptions;
using testing::UniqueBucketName;

TEST(S3ClientTest, PutGetHeadListDeleteRoundTrip) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  auto client = S3Client::Create(S3rverClientOptions(endpoint));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  S3Client& c = **client;
  const std::string bucket = UniqueBucketName("client");
  {
    Status created = c.CreateBucket(bucket);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }
  ASSERT_TRUE(c.CreateBucket(bucket).ok()) << "a bucket of ours again is fine";

  const std::string body = Bytes(10000, 1);
  // A key with characters that need %-encoding: signed and sent encoded once.
  const std::string key = "archive/events/2026-01-12 a+b~c.csv.gz";
  ASSERT_TRUE(c.PutObject(bucket, key, body).ok());
  Result<std::string> got = c.GetObject(bucket, key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, body);
  Result<std::optional<S3ObjectInfo>> head = c.HeadObject(bucket, key);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->size, body.size());
  EXPECT_FALSE((*head)->etag.empty());

  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.PutObject(bucket, "list/" + std::to_string(i), "x" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(c.PutObject(bucket, "other/9", "y").ok());
  // Pages of 2: three pages, joined in key order.
  Result<std::vector<S3ObjectInfo>> listed = c.ListObjects(bucket, "list/", 2);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*listed)[i].key, "list/" + std::to_string(i));
    EXPECT_EQ((*listed)[i].size, 2u);
  }
  EXPECT_GE(c.stats().calls.load(), 3u);

  ASSERT_TRUE(c.DeleteObject(bucket, key).ok());
  EXPECT_TRUE(c.DeleteObject(bucket, key).ok()) << "deleting what is gone is fine";
  head = c.HeadObject(bucket, key);
  ASSERT_TRUE(head.ok());
  EXPECT_FALSE(head->has_value());
}

TEST(S3ClientTest, ErrorsNameTheObjectAndS3sCode) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  auto client = S3Client::Create(S3rverClientOptions(endpoint));
  ASSERT_TRUE(client.ok());
  const std::string bucket = UniqueBucketName("errors");
  {
    Status created = (*client)->CreateBucket(bucket);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }

  Result<std::string> missing = (*client)->GetObject(bucket, "no/such.csv.gz");
  ASSERT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("s3://" + bucket + "/no/such.csv.gz"),
            std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find("NoSuchKey"), std::string::npos);

  Result<std::string> no_bucket = (*client)->GetObject(bucket + "-absent", "k");
  EXPECT_TRUE(no_bucket.status().IsNotFound());
  EXPECT_NE(no_bucket.status().message().find("NoSuchBucket"), std::string::npos);

  // A key id the server does not know: refused, not retried, and no secret in the message.
  // (s3rver does not recompute SigV4 signatures: sigv4_test.cc checks them against AWS's vectors.)
  S3ClientOptions wrong = S3rverClientOptions(endpoint);
  wrong.settings.credentials.access_key_id = "AKIDUNKNOWN";
  auto bad = S3Client::Create(wrong);
  ASSERT_TRUE(bad.ok());
  Status refused = (*bad)->PutObject(bucket, "k", "v");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("InvalidAccessKeyId"), std::string::npos) << refused.ToString();
  EXPECT_NE(refused.message().find("s3://" + bucket + "/k"), std::string::npos);
  EXPECT_EQ(refused.message().find("vdpark-test-secret"), std::string::npos);
  EXPECT_EQ((*bad)->stats().attempts.load(), 1u) << "a refused request is not retried";
}

TEST(S3ClientTest, LargeObjectsGoAsMultipartUploads) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  S3ClientOptions o = S3rverClientOptions(endpoint);
  o.part_size = 64 * 1024;
  auto client = S3Client::Create(o);
  ASSERT_TRUE(client.ok());
  S3Client& c = **client;
  const std::string bucket = UniqueBucketName("multipart");
  {
    Status created = c.CreateBucket(bucket);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }

  const std::string body = Bytes(64 * 1024 * 3 + 12345, 7);  // 4 parts, the last short
  const uint64_t attempts_before = c.stats().attempts.load();
  ASSERT_TRUE(c.PutObject(bucket, "big.bin", body).ok());
  EXPECT_EQ(c.stats().multipart_uploads.load(), 1u);
  EXPECT_EQ(c.stats().attempts.load() - attempts_before, 6u) << "create, 4 parts, complete";
  Result<std::string> got = c.GetObject(bucket, "big.bin");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->size(), body.size());
  EXPECT_EQ(sigv4::Sha256Hex(*got), sigv4::Sha256Hex(body));

  // A small object goes whole.
  ASSERT_TRUE(c.PutObject(bucket, "small.bin", "abc").ok());
  EXPECT_EQ(c.stats().multipart_uploads.load(), 1u);

  // AbortMultipartUpload, which s3rver 3.7.1 answers with 405, is checked by the request's shape
  // through a proxy (s3_request_shape_test.cc, AFailedMultipartUploadIsAborted). Not run: Complete
  // with a part never uploaded (s3rver crashes instead of answering InvalidPart).
}

TEST(S3ClientTest, DroppedConnectionsAreRetriedAndNothingIsLost) {
  VDPARK_REQUIRE_S3RVER(endpoint);
  testing::FaultProxyOptions po;
  po.upstream = endpoint;
  // Dropped before reaching the server only: a retried CreateMultipartUpload after an answer lost
  // would leave an upload behind.
  po.rates.drop_before = 0.3;
  po.seed = 16;
  auto proxy = testing::FaultProxy::Start(po);
  ASSERT_TRUE(proxy.ok()) << proxy.status().ToString();
  S3ClientOptions o = S3rverClientOptions((*proxy)->endpoint());
  o.part_size = 16 * 1024;
  o.max_attempts = 30;
  auto client = S3Client::Create(o);
  ASSERT_TRUE(client.ok());
  S3Client& c = **client;
  const std::string bucket = UniqueBucketName("retry");
  {
    Status created = c.CreateBucket(bucket);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }
  for (int i = 0; i < 20; ++i) {
    const std::string body = Bytes(i % 2 == 0 ? 100 : 40000, i);  // odd ones in 3 parts
    const std::string key = "obj/" + std::to_string(i);
    Status put = c.PutObject(bucket, key, body);
    ASSERT_TRUE(put.ok()) << i << ": " << put.ToString();
    Result<std::string> got = c.GetObject(bucket, key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, body) << i;
  }
  Result<std::vector<S3ObjectInfo>> listed = c.ListObjects(bucket, "obj/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 20u);
  const auto& n = (*proxy)->counters();
  EXPECT_GT(n.dropped_before.load(), 10u);
  EXPECT_GT(c.stats().connection_errors.load(), 0u);
}

}  // namespace
}  // namespace vdpark
