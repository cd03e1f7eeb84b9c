#include "store/s3/s3_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "common/redact_url.h"
#include "store/dynamodb/aws_http.h"
#include "store/dynamodb/sigv4.h"
#include "store/s3/s3_error.h"
#include "store/s3/s3_xml.h"

namespace vdpark {

namespace {

// Keeps the ETag header of an answer (UploadPart needs it for Complete).
size_t KeepEtag(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "etag:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == kName) {
      std::string_view v = line.substr(kName.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '"')) v.remove_prefix(1);
      while (!v.empty() &&
             (v.back() == '\r' || v.back() == '\n' || v.back() == '"' || v.back() == ' ')) {
        v.remove_suffix(1);
      }
      *static_cast<std::string*>(user) = std::string(v);
    }
  }
  return size * count;
}

// S3's endpoint: the bucket goes in the path (path-style), so the endpoint has none.
Result<AwsEndpoint> ParseEndpoint(const std::string& url) {
  VDPARK_ASSIGN_OR_RETURN(AwsEndpoint e, ParseAwsEndpoint(url, "S3"));
  if (e.path != "/") {
    return Status::InvalidArgument("S3 endpoint '" + RedactUrl(url) +
                                   "': a path is not allowed (buckets go in the URL)");
  }
  return e;
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string ObjectName(std::string_view bucket, std::string_view key) {
  std::string name = "s3://";
  name += bucket;
  if (!key.empty()) {
    name += "/";
    name += key;
  }
  return name;
}

}  // namespace

struct S3Client::Impl {
  S3ClientOptions options;
  AwsEndpoint endpoint;
  S3ClientStats stats;
  sigv4::SigningKeyCache keys;
  std::mutex mu;  // guards easy
  CURL* easy = nullptr;

  ~Impl() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }

  struct Request {
    std::string_view operation;  // "GetObject"
    std::string method = "GET";
    std::string_view bucket;
    std::string_view key;
    std::string query;  // encoded, as on the wire
    std::string_view body;
  };
  struct Response {
    long status = 0;
    std::string body;
    std::string etag;
  };

  std::string What(const Request& r) const {
    std::string what = "S3 ";
    what += r.operation;
    what += " ";
    what += ObjectName(r.bucket, r.key);
    return what;
  }

  // One HTTP exchange: the answer, or kUnavailable for a transfer that failed on the way.
  Result<Response> SendOnce(const Request& r) {
    std::string plain_path = "/";
    plain_path += r.bucket;
    if (!r.key.empty()) {
      plain_path += "/";
      plain_path += r.key;
    }
    sigv4::SigningRequest sr;
    sr.method = r.method;
    sr.path = plain_path;
    sr.query = r.query;
    sr.headers = {{"host", endpoint.host}};
    if (!r.body.empty() || r.method == "PUT" || r.method == "POST") {
      sr.headers.emplace_back("content-type", "application/octet-stream");
    }
    sr.body = std::string(r.body);
    sigv4::SigV4Params params;
    params.region = options.settings.region;
    params.service = "s3";
    params.time = Timestamp::Now();
    params.normalize_path = false;  // S3 keys are taken as they are
    params.sign_body = true;
    VDPARK_ASSIGN_OR_RETURN_WITH(sigv4::SignedRequest s,
                                 sigv4::Sign(sr, params, options.settings.credentials, &keys),
                                 What(r));

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : sr.headers) {
      if (name == "host") continue;  // curl sends the URL's
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    for (const auto& [name, value] : s.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                            curl_slist_free_all);
    std::string url = endpoint.base + sigv4::UriEncode(plain_path, /*keep_slash=*/true);
    if (!r.query.empty()) url += "?" + r.query;

    std::lock_guard lock(mu);
    if (easy == nullptr) easy = curl_easy_init();
    if (easy == nullptr) return Status::Internal(What(r) + ": curl_easy_init failed");
    curl_easy_reset(easy);
    Response response;
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    if (r.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (r.method != "GET") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (r.method == "PUT" || r.method == "POST") {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendToString);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, KeepEtag);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &response.etag);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "vdpark");
    ++stats.attempts;
    stats.bytes_sent += r.body.size();
    const CURLcode code = curl_easy_perform(easy);
    if (code != CURLE_OK) {
      std::string why = What(r) + ": " + (error[0] != '\0' ? error : curl_easy_strerror(code));
      if (IsRetryableCurlCode(code)) {
        ++stats.connection_errors;
        return Status::Unavailable(why);
      }
      return Status::IOError(why);
    }
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
    if (response.status >= 300) {
      Status s = S3ErrorStatus(What(r), response.status, response.body);
      if (s.code() == Status::Code::kThrottled) ++stats.throttled;
      if (response.status >= 500) ++stats.server_errors;
      return s;
    }
    return response;
  }

  // SendOnce, retried as the header says.
  Result<Response> Send(const Request& r) {
    ++stats.calls;
    for (int attempt = 1;; ++attempt) {
      Result<Response> answer = SendOnce(r);
      if (answer.ok() || !answer.status().IsRetryable() || attempt >= options.max_attempts) {
        if (!answer.ok() && answer.status().IsRetryable() && attempt > 1) {
          const std::string m =
              answer.status().message() + " (after " + std::to_string(attempt) + " attempts)";
          return answer.status().code() == Status::Code::kThrottled ? Status::Throttled(m)
                                                                    : Status::Unavailable(m);
        }
        return answer;
      }
      const int shift = std::min(attempt - 1, 30);
      auto cap = std::chrono::duration_cast<std::chrono::microseconds>(options.base_backoff) *
                 (int64_t{1} << shift);
      cap =
          std::min(cap, std::chrono::duration_cast<std::chrono::microseconds>(options.max_backoff));
      const auto delay = Jitter(cap);
      spdlog::debug("{}: attempt {}/{} failed ({}); retrying in {} ms", What(r), attempt,
                    options.max_attempts, answer.status().ToString(), delay.count() / 1000);
      std::this_thread::sleep_for(delay);
    }
  }
};

Result<std::unique_ptr<S3Client>> S3Client::Create(S3ClientOptions options) {
  InitCurlOnce();
  auto impl = std::make_unique<Impl>();
  VDPARK_ASSIGN_OR_RETURN(impl->endpoint, ParseEndpoint(options.settings.endpoint));
  if (options.part_size == 0) return Status::InvalidArgument("S3 part size: must be above 0");
  impl->options = std::move(options);
  return std::unique_ptr<S3Client>(new S3Client(std::move(impl)));
}

S3Client::S3Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Client::~S3Client() = default;

const S3ClientStats& S3Client::stats() const {
  return impl_->stats;
}
const S3ClientOptions& S3Client::options() const {
  return impl_->options;
}

Status S3Client::CreateBucket(std::string_view bucket) {
  std::string body;
  // us-east-1 is the one region that takes no location constraint.
  if (impl_->options.settings.region != "us-east-1") {
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        s3_xml::Escape(impl_->options.settings.region) +
        "</LocationConstraint></CreateBucketConfiguration>";
  }
  Result<Impl::Response> r = impl_->Send({"CreateBucket", "PUT", bucket, "", "", body});
  if (!r.ok()) {
    const std::string& m = r.status().message();
    if (m.find("BucketAlreadyOwnedByYou") != std::string::npos) return Status::OK();
    // Some servers (s3rver) answer BucketAlreadyExists to its owner too: a bucket these
    // credentials can read is theirs to use.
    if (m.find("BucketAlreadyExists") != std::string::npos &&
        impl_->Send({"HeadBucket", "HEAD", bucket, "", "", ""}).ok()) {
      return Status::OK();
    }
    return r.status();
  }
  return Status::OK();
}

Status S3Client::PutObject(std::string_view bucket, std::string_view key, std::string_view body) {
  const size_t part_size = impl_->options.part_size;
  if (body.size() <= part_size) {
    return impl_->Send({"PutObject", "PUT", bucket, key, "", body}).status();
  }
  ++impl_->stats.multipart_uploads;
  VDPARK_ASSIGN_OR_RETURN(std::string upload_id, CreateMultipartUpload(bucket, key));
  std::vector<std::string> etags;
  Status status;
  for (size_t offset = 0; offset < body.size() && status.ok(); offset += part_size) {
    Result<std::string> etag = UploadPart(
        bucket, key, upload_id, static_cast<int>(etags.size()) + 1, body.substr(offset, part_size));
    if (etag.ok()) {
      etags.push_back(std::move(*etag));
    } else {
      status = etag.status();
    }
  }
  if (status.ok()) {
    status = CompleteMultipartUpload(bucket, key, upload_id, etags);
    // A Complete that S3 applied but whose answer was lost is retried and then meets
    // NoSuchUpload: the object is there when it has the size just sent.
    if (status.IsNotFound() && status.message().find("NoSuchUpload") != std::string::npos) {
      Result<std::optional<S3ObjectInfo>> head = HeadObject(bucket, key);
      if (head.ok() && head->has_value() && (*head)->size == body.size()) return Status::OK();
    }
  }
  if (!status.ok()) {
    // The parts stored so far cost money until aborted; the first error is what the caller needs.
    Status aborted = AbortMultipartUpload(bucket, key, upload_id);
    if (!aborted.ok()) spdlog::warn("{}", aborted.ToString());
  }
  return status;
}

Result<std::string> S3Client::GetObject(std::string_view bucket, std::string_view key) {
  VDPARK_ASSIGN_OR_RETURN(Impl::Response r, impl_->Send({"GetObject", "GET", bucket, key, "", ""}));
  return std::move(r.body);
}

Result<std::optional<S3ObjectInfo>> S3Client::HeadObject(std::string_view bucket,
                                                         std::string_view key) {
  Result<Impl::Response> r = impl_->Send({"HeadObject", "HEAD", bucket, key, "", ""});
  if (!r.ok()) {
    if (r.status().IsNotFound()) return std::optional<S3ObjectInfo>();
    return r.status();
  }
  S3ObjectInfo info;
  info.key = std::string(key);
  info.etag = r->etag;
  curl_off_t length = 0;
  {
    std::lock_guard lock(impl_->mu);
    curl_easy_getinfo(impl_->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  }
  info.size = length > 0 ? static_cast<uint64_t>(length) : 0;
  return std::optional<S3ObjectInfo>(std::move(info));
}

Result<std::vector<S3ObjectInfo>> S3Client::ListObjects(std::string_view bucket,
                                                        std::string_view prefix, int page_size) {
  std::vector<S3ObjectInfo> objects;
  std::string token;
  for (;;) {
    std::string query;
    if (!token.empty()) query += "continuation-token=" + sigv4::UriEncode(token, false) + "&";
    query += "list-type=2&max-keys=" + std::to_string(page_size) +
             "&prefix=" + sigv4::UriEncode(prefix, false);
    VDPARK_ASSIGN_OR_RETURN(Impl::Response r,
                            impl_->Send({"ListObjectsV2", "GET", bucket, "", query, ""}));
    for (std::string_view contents : s3_xml::AllElements(r.body, "Contents")) {
      S3ObjectInfo info;
      info.key = s3_xml::FirstText(contents, "Key").value_or("");
      const std::string size = s3_xml::FirstText(contents, "Size").value_or("0");
      info.size = std::strtoull(size.c_str(), nullptr, 10);
      std::string etag = s3_xml::FirstText(contents, "ETag").value_or("");
      etag.erase(std::remove(etag.begin(), etag.end(), '"'), etag.end());
      info.etag = std::move(etag);
      objects.push_back(std::move(info));
    }
    const bool truncated = s3_xml::FirstText(r.body, "IsTruncated").value_or("false") == "true";
    token = s3_xml::FirstText(r.body, "NextContinuationToken").value_or("");
    if (!truncated) break;
    if (token.empty()) {
      return Status::Internal("S3 ListObjectsV2 " + ObjectName(bucket, prefix) +
                              ": a truncated page without NextContinuationToken");
    }
  }
  return objects;
}

Status S3Client::DeleteObject(std::string_view bucket, std::string_view key) {
  Result<Impl::Response> r = impl_->Send({"DeleteObject", "DELETE", bucket, key, "", ""});
  if (!r.ok() && r.status().IsNotFound() &&
      r.status().message().find("NoSuchBucket") == std::string::npos) {
    return Status::OK();
  }
  return r.status();
}

Result<std::string> S3Client::CreateMultipartUpload(std::string_view bucket, std::string_view key) {
  VDPARK_ASSIGN_OR_RETURN(Impl::Response r, impl_->Send({"CreateMultipartUpload", "POST", bucket,
                                                         key, "uploads=", ""}));
  std::optional<std::string> id = s3_xml::FirstText(r.body, "UploadId");
  if (!id || id->empty()) {
    return Status::Internal("S3 CreateMultipartUpload " + ObjectName(bucket, key) +
                            ": the answer has no UploadId");
  }
  return *id;
}

Result<std::string> S3Client::UploadPart(std::string_view bucket, std::string_view key,
                                         std::string_view upload_id, int part_number,
                                         std::string_view body) {
  std::string query = "partNumber=" + std::to_string(part_number) +
                      "&uploadId=" + sigv4::UriEncode(upload_id, false);
  VDPARK_ASSIGN_OR_RETURN(Impl::Response r,
                          impl_->Send({"UploadPart", "PUT", bucket, key, query, body}));
  if (r.etag.empty()) {
    return Status::Internal("S3 UploadPart " + ObjectName(bucket, key) + " part " +
                            std::to_string(part_number) + ": the answer has no ETag");
  }
  return std::move(r.etag);
}

Status S3Client::CompleteMultipartUpload(std::string_view bucket, std::string_view key,
                                         std::string_view upload_id,
                                         const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>\"" +
            s3_xml::Escape(etags[i]) + "\"</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  std::string query = "uploadId=" + sigv4::UriEncode(upload_id, false);
  VDPARK_ASSIGN_OR_RETURN(
      Impl::Response r, impl_->Send({"CompleteMultipartUpload", "POST", bucket, key, query, body}));
  // S3 may answer 200 and still fail: the error is then in the body.
  if (r.body.find("<Error>") != std::string::npos) {
    return S3ErrorStatus("S3 CompleteMultipartUpload " + ObjectName(bucket, key), 200, r.body);
  }
  return Status::OK();
}

Status S3Client::AbortMultipartUpload(std::string_view bucket, std::string_view key,
                                      std::string_view upload_id) {
  std::string query = "uploadId=" + sigv4::UriEncode(upload_id, false);
  return impl_->Send({"AbortMultipartUpload", "DELETE", bucket, key, query, ""}).status();
}

}  // namespace vdpark
