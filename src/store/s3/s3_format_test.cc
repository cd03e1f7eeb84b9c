// The s3:// store's pure parts: its URL, gzip, S3's XML and errors, and manifest.json.
#include <gtest/gtest.h>

#include "store/s3/gzip.h"
#include "store/s3/s3_error.h"
#include "store/s3/s3_manifest.h"
#include "store/s3/s3_url.h"
#include "store/s3/s3_xml.h"

namespace vdpark {
namespace {

TEST(S3UrlTest, ParsesBucketPrefixAndQuery) {
  Result<S3Url> u = ParseS3Url(
      "s3://visiondrive-archives/timescale?region=me-central-1&endpoint=http://127.0.0.1:4568&"
      "profile=ops");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->bucket, "visiondrive-archives");
  EXPECT_EQ(u->prefix, "timescale/");
  EXPECT_EQ(u->overrides.region, "me-central-1");
  EXPECT_EQ(u->overrides.endpoint, "http://127.0.0.1:4568");
  EXPECT_EQ(u->overrides.profile, "ops");
  EXPECT_EQ(u->overrides.service, AwsService::kS3);
  EXPECT_EQ(u->ObjectUrl("manifest.json"), "s3://visiondrive-archives/timescale/manifest.json");
  EXPECT_EQ(ParseS3Url("s3://bucket")->prefix, "");
  EXPECT_EQ(ParseS3Url("s3://bucket/a/b/")->prefix, "a/b/");
  EXPECT_EQ(ParseS3Url("s3://bucket/a")->ToString(), "s3://bucket/a/");
}

TEST(S3UrlTest, BadUrlsNameThePart) {
  auto message = [](std::string_view url) { return ParseS3Url(url).status().message(); };
  EXPECT_NE(message("s3://").find("no bucket"), std::string::npos);
  EXPECT_NE(message("s3://Bad_Bucket/x").find("lowercase"), std::string::npos);
  EXPECT_NE(message("s3://ab/x").find("3 to 63"), std::string::npos);
  EXPECT_NE(message("s3://bucket//x").find("empty folder"), std::string::npos);
  EXPECT_NE(message("s3://bucket/x?color=red").find("unknown parameter 'color'"),
            std::string::npos);
  EXPECT_NE(message("s3://bucket/x?endpoint=localhost:1").find("s3 URL"), std::string::npos);
  EXPECT_TRUE(ParseS3Url("s3://bucket/x?region=").status().IsInvalidArgument());
}

TEST(GzipTest, RoundTripsAndRefusesDamage) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "zone-" + std::to_string(i % 40) + ",B-001,ARRIVE\n";
  Result<std::string> gz = GzipCompress(text);
  ASSERT_TRUE(gz.ok());
  EXPECT_LT(gz->size(), text.size() / 5);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);  // gzip's magic
  Result<std::string> back = GzipDecompress(*gz, "x.gz");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, text);
  // Two members read as one text, as gunzip reads them.
  Result<std::string> two = GzipDecompress(*gz + *GzipCompress("tail\n"), "x.gz");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, text + "tail\n");
  EXPECT_EQ(*GzipDecompress(*GzipCompress(""), "empty.gz"), "");

  Result<std::string> cut = GzipDecompress(gz->substr(0, gz->size() / 2), "events/x.csv.gz");
  ASSERT_EQ(cut.status().code(), Status::Code::kCorruption);
  EXPECT_NE(cut.status().message().find("events/x.csv.gz"), std::string::npos);
  std::string flipped = *gz;
  flipped[flipped.size() - 6] ^= 0x40;  // the CRC
  EXPECT_EQ(GzipDecompress(flipped, "x").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(GzipDecompress("not gzip", "x").status().code(), Status::Code::kCorruption);
}

TEST(S3XmlTest, ReadsElementsAndUndoesEntities) {
  const std::string xml =
      "<ListBucketResult><IsTruncated>true</IsTruncated><KeyCount>2</KeyCount>"
      "<Contents><Key>a&amp;b&lt;c&#x41;&#66;</Key><Size>3</Size></Contents>"
      "<Contents><Key>d</Key><Size>4</Size></Contents>"
      "<NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>";
  EXPECT_EQ(s3_xml::FirstText(xml, "IsTruncated"), "true");
  EXPECT_EQ(s3_xml::FirstText(xml, "Key"), "a&b<cAB");  // not <KeyCount>
  EXPECT_EQ(s3_xml::AllElements(xml, "Contents").size(), 2u);
  EXPECT_EQ(s3_xml::AllText(xml, "Size"), (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(s3_xml::FirstText(xml, "Marker"), std::nullopt);
  EXPECT_EQ(s3_xml::Escape("a<b&c>"), "a&lt;b&amp;c&gt;");
}

TEST(S3ErrorTest, CodesMapToStatusesAndMessagesNameTheObject) {
  const std::string body =
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified key does "
      "not exist.</Message></Error>";
  Status s = S3ErrorStatus("S3 GetObject s3://b/k", 404, body);
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(s.message(),
            "S3 GetObject s3://b/k: NoSuchKey (HTTP 404): The specified key does not exist.");
  EXPECT_EQ(S3ErrorStatus("x", 503, "<Error><Code>SlowDown</Code></Error>").code(),
            Status::Code::kThrottled);
  EXPECT_EQ(S3ErrorStatus("x", 500, "<Error><Code>InternalError</Code></Error>").code(),
            Status::Code::kUnavailable);
  EXPECT_TRUE(S3ErrorStatus("x", 404, "").IsNotFound());  // HEAD: no body
  EXPECT_EQ(S3ErrorStatus("x", 403, "<Error><Code>AccessDenied</Code></Error>").code(),
            Status::Code::kIOError);
  EXPECT_TRUE(
      S3ErrorStatus("x", 400, "<Error><Code>InvalidBucketName</Code></Error>").IsInvalidArgument());
}

TEST(S3ManifestTest, RoundTripsAndRefusesWhatIsNotOne) {
  S3Manifest m;
  m.vdpark_version = "0.1.0";
  m.source = "postgres://vdpark@db/vdpark";
  m.written_at = "2026-12-06T18:00:00.000000Z";
  m.files["zones.csv.gz"] = {3, 100, 300, std::string(64, 'a'), "", ""};
  m.files["events/2026-01-12.csv.gz"] = {
      10, 200, 900, std::string(64, 'b'), "2026-01-12 00:00:03+00", "2026-01-12 23:59:58.5+00"};
  m.files["events/2026-01-13.csv.gz"] = {
      5, 150, 450, std::string(64, 'c'), "2026-01-13 01:00:00+00", "2026-01-13 22:00:00+00"};
  EXPECT_EQ(m.EventRows(), 15u);
  ASSERT_TRUE(m.TimeRange().has_value());
  EXPECT_EQ(m.TimeRange()->first, "2026-01-12 00:00:03+00");
  EXPECT_EQ(m.TimeRange()->second, "2026-01-13 22:00:00+00");

  Result<S3Manifest> back = S3Manifest::FromJson(m.ToJson(), "s3://b/manifest.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->source, m.source);
  EXPECT_EQ(back->files.size(), 3u);
  EXPECT_EQ(back->files.at("events/2026-01-12.csv.gz").last, "2026-01-12 23:59:58.5+00");
  EXPECT_EQ(back->files.at("zones.csv.gz").sha256, std::string(64, 'a'));

  for (const char* bad : {"", "[]", "{\"format\":\"other\"}", "{\"format\":\"vdpark-s3-store/1\"}",
                          "{\"format\":\"vdpark-s3-store/1\",\"files\":[{\"key\":\"a\"}]}"}) {
    Result<S3Manifest> r = S3Manifest::FromJson(bad, "s3://b/manifest.json");
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << bad;
    EXPECT_NE(r.status().message().find("s3://b/manifest.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace vdpark
