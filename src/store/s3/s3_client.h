// S3Client: the S3 REST API calls the s3:// store needs, signed with SigV4 (service "s3", the
// payload's SHA-256 sent and signed as x-amz-content-sha256), on libcurl.
//
// Addressing: path-style (ENDPOINT/BUCKET/KEY), which every endpoint URL serves (AWS, s3rver,
// MinIO); keys are %-encoded once, as S3 signs them.
//
// Retries, as DynamoDbClient's: throttling (SlowDown, ...), 5xx answers and dropped, refused or
// timed-out connections are retried with exponential backoff and full jitter (delay =
// random(0, min(max_backoff, base * 2^attempt))), up to max_attempts; what still fails comes back
// as the last error. Other errors come back at once. Every error is mapped in one place
// (s3_error.h) and names the operation, s3://bucket/key and S3's error code.
//
// Calls are synchronous; one connection is kept alive and shared under a lock (thread-safe).
// Secrets never appear in logs or in error messages.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/dynamodb/aws_config.h"

namespace vdpark {

struct S3ClientOptions {
  AwsSettings settings;                               // region, endpoint, credentials
  int max_attempts = 10;                              // tries per call, the first included
  std::chrono::milliseconds base_backoff{25};         // backoff before the second try
  std::chrono::milliseconds max_backoff{10000};       // longest wait between two tries
  std::chrono::milliseconds request_timeout{300000};  // one HTTP exchange (a part of 8 MiB)
  std::chrono::milliseconds connect_timeout{10000};   // making one connection
  // PutObject sends an object larger than this as a multipart upload of parts this size (S3's
  // minimum part is 5 MiB except the last; tests use less against s3rver, which has no minimum).
  size_t part_size = size_t{8} << 20;
};

// Counters since the client was made. Read with .load().
struct S3ClientStats {
  std::atomic<uint64_t> calls{0};              // operations asked for
  std::atomic<uint64_t> attempts{0};           // HTTP requests sent (calls + retries)
  std::atomic<uint64_t> throttled{0};          // answers that were throttling errors
  std::atomic<uint64_t> server_errors{0};      // 5xx answers
  std::atomic<uint64_t> connection_errors{0};  // dropped, refused or timed-out connections
  std::atomic<uint64_t> multipart_uploads{0};  // PutObject calls sent in parts
  std::atomic<uint64_t> bytes_sent{0};         // request bodies, retries included
};

struct S3ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // as S3 gives it, quotes removed
};

class S3Client {
 public:
  // kInvalidArgument when the endpoint URL is malformed.
  static Result<std::unique_ptr<S3Client>> Create(S3ClientOptions options);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Creates the bucket (in the client's region); OK when this account owns it already (or, where
  // a server cannot tell, when it exists and these credentials can read it).
  Status CreateBucket(std::string_view bucket);

  // Stores `body` as the object, replacing it whole; over part_size as a multipart upload (aborted
  // when a part fails, so no parts are left behind).
  Status PutObject(std::string_view bucket, std::string_view key, std::string_view body);
  // The object's bytes; kNotFound naming it when absent.
  Result<std::string> GetObject(std::string_view bucket, std::string_view key);
  // The object's size and ETag; nullopt when absent.
  Result<std::optional<S3ObjectInfo>> HeadObject(std::string_view bucket, std::string_view key);
  // Every object whose key starts with `prefix`, in key order, all pages (ListObjectsV2) of at
  // most `page_size` keys each (S3's own limit is 1000).
  Result<std::vector<S3ObjectInfo>> ListObjects(std::string_view bucket, std::string_view prefix,
                                                int page_size = 1000);
  // Removes the object; OK when it was absent (as S3 answers).
  Status DeleteObject(std::string_view bucket, std::string_view key);

  // Multipart upload, step by step (PutObject uses them).
  Result<std::string> CreateMultipartUpload(std::string_view bucket, std::string_view key);
  // The part's ETag, for Complete.
  Result<std::string> UploadPart(std::string_view bucket, std::string_view key,
                                 std::string_view upload_id, int part_number,
                                 std::string_view body);
  Status CompleteMultipartUpload(std::string_view bucket, std::string_view key,
                                 std::string_view upload_id, const std::vector<std::string>& etags);
  Status AbortMultipartUpload(std::string_view bucket, std::string_view key,
                              std::string_view upload_id);

  const S3ClientStats& stats() const;
  const S3ClientOptions& options() const;

 private:
  struct Impl;
  explicit S3Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vdpark
