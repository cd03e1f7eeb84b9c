#include "store/dynamodb/aws_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace vdpark {
namespace {

namespace fs = std::filesystem;

constexpr char kFileSecret[] = "fileSECRETfileSECRETfileSECRET0000000000";
constexpr char kDevSecret[] = "devSECRETdevSECRETdevSECRETdevSECRET0000";
constexpr char kConfigSecret[] = "cfgSECRETcfgSECRETcfgSECRETcfgSECRET0000";
constexpr char kEnvSecret[] = "envSECRETenvSECRETenvSECRETenvSECRET0000";

class AwsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vdpark-aws-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    home_ = pattern;
    fs::create_directories(home_ / ".aws");
  }
  void TearDown() override { fs::remove_all(home_); }

  void Write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
  }
  void WriteCredentials(const std::string& text) { Write(home_ / ".aws/credentials", text); }
  void WriteConfig(const std::string& text) { Write(home_ / ".aws/config", text); }

  // The usual pair of files: a default and a dev profile in each.
  void WriteBothFiles() {
    WriteCredentials(std::string("[default]\naws_access_key_id = AKIDFILEDEFAULT\n") +
                     "aws_secret_access_key = " + kFileSecret + "\n\n[dev]\n" +
                     "aws_access_key_id=AKIDFILEDEV\naws_secret_access_key=" + kDevSecret + "\n" +
                     "aws_session_token=DEVTOKEN\n");
    WriteConfig(
        std::string("[default]\nregion = eu-west-1\n\n[profile dev]\nregion = us-east-2\n") +
        "[profile cfgonly]\naws_access_key_id = AKIDCONFIGONLY\naws_secret_access_key = " +
        kConfigSecret + "\nregion = ap-south-1\n");
  }

  Result<AwsSettings> Resolve(std::map<std::string, std::string> vars,
                              const AwsOverrides& overrides = {}) {
    return ResolveAwsSettings(overrides, Environment::FromMap(std::move(vars), home_.string()));
  }

  fs::path home_;
};

std::map<std::string, std::string> EnvKeys() {
  return {{"AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT"},
          {"AWS_SECRET_ACCESS_KEY", kEnvSecret},
          {"AWS_SESSION_TOKEN", "ENVTOKEN"}};
}

TEST_F(AwsConfigTest, EnvironmentKeysComeFirst) {
  WriteBothFiles();
  Result<AwsSettings> s = Resolve(EnvKeys());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDENVIRONMENT");
  EXPECT_EQ(s->credentials.secret_access_key, kEnvSecret);
  EXPECT_EQ(s->credentials.session_token, "ENVTOKEN");
  EXPECT_EQ(s->credentials_source, "environment");
}

TEST_F(AwsConfigTest, AwsProfileVariableDoesNotHideEnvironmentKeys) {
  WriteBothFiles();
  auto vars = EnvKeys();
  vars["AWS_PROFILE"] = "dev";
  Result<AwsSettings> s = Resolve(vars);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDENVIRONMENT");
  EXPECT_EQ(s->profile, "dev");
  EXPECT_EQ(s->region, "us-east-2");  // but the profile still supplies the region
}

TEST_F(AwsConfigTest, UrlProfileSkipsEnvironmentKeys) {
  WriteBothFiles();
  Result<AwsSettings> s = Resolve(EnvKeys(), AwsOverrides{.profile = "dev"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDFILEDEV");
  EXPECT_EQ(s->credentials.secret_access_key, kDevSecret);
  EXPECT_EQ(s->credentials.session_token, "DEVTOKEN");
  EXPECT_EQ(s->credentials_source, "profile dev in " + (home_ / ".aws/credentials").string());
}

TEST_F(AwsConfigTest, DefaultProfileFromCredentialsFile) {
  WriteBothFiles();
  Result<AwsSettings> s = Resolve({});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->profile, "default");
  EXPECT_EQ(s->credentials.access_key_id, "AKIDFILEDEFAULT");
  EXPECT_EQ(s->credentials.secret_access_key, kFileSecret);
  EXPECT_TRUE(s->credentials.session_token.empty());
  EXPECT_EQ(s->region, "eu-west-1");
}

TEST_F(AwsConfigTest, AwsProfileSelectsSection) {
  WriteBothFiles();
  Result<AwsSettings> s = Resolve({{"AWS_PROFILE", "dev"}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDFILEDEV");
  EXPECT_EQ(s->region, "us-east-2");
}

TEST_F(AwsConfigTest, KeysInConfigFile) {
  WriteBothFiles();
  Result<AwsSettings> s = Resolve({}, AwsOverrides{.profile = "cfgonly"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDCONFIGONLY");
  EXPECT_EQ(s->credentials_source, "profile cfgonly in " + (home_ / ".aws/config").string());
  EXPECT_EQ(s->region, "ap-south-1");

  // The credentials file wins over the config file for the same profile.
  WriteConfig("[default]\naws_access_key_id = AKIDCONFIGDEFAULT\naws_secret_access_key = x\n");
  WriteCredentials("[default]\naws_access_key_id = AKIDCREDS\naws_secret_access_key = y\n");
  EXPECT_EQ(Resolve({})->credentials.access_key_id, "AKIDCREDS");
  fs::remove(home_ / ".aws/credentials");
  EXPECT_EQ(Resolve({})->credentials.access_key_id, "AKIDCONFIGDEFAULT");
}

TEST_F(AwsConfigTest, FileLocationsFromVariables) {
  fs::create_directories(home_ / "elsewhere");
  Write(home_ / "elsewhere/creds", "[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = z\n");
  Write(home_ / "elsewhere/conf", "[profile ci]\nregion = eu-central-1\n");
  WriteBothFiles();  // the default locations, which must now be ignored
  Result<AwsSettings> s = Resolve({{"AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds"},
                                   {"AWS_CONFIG_FILE", (home_ / "elsewhere/conf").string()},
                                   {"AWS_PROFILE", "ci"}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDCI");
  EXPECT_EQ(s->region, "eu-central-1");
  EXPECT_EQ(s->credentials_source, "profile ci in " + (home_ / "elsewhere/creds").string());
}

TEST_F(AwsConfigTest, RegionFallbackChain) {
  WriteBothFiles();
  auto vars = EnvKeys();
  vars["AWS_REGION"] = "us-west-2";
  vars["AWS_DEFAULT_REGION"] = "ca-central-1";
  Result<AwsSettings> s = Resolve(vars, AwsOverrides{.region = "me-south-1"});
  EXPECT_EQ(s->region, "me-south-1");
  EXPECT_EQ(s->region_source, "region= in the URL");
  s = Resolve(vars);
  EXPECT_EQ(s->region, "us-west-2");
  EXPECT_EQ(s->region_source, "AWS_REGION");
  vars["AWS_REGION"] = "";  // empty counts as unset
  s = Resolve(vars);
  EXPECT_EQ(s->region, "ca-central-1");
  vars.erase("AWS_DEFAULT_REGION");
  s = Resolve(vars);
  EXPECT_EQ(s->region, "eu-west-1");  // [default] in the config file
  fs::remove(home_ / ".aws/config");
  s = Resolve(vars);
  EXPECT_EQ(s->region, "me-central-1");
  EXPECT_EQ(s->region_source, "default");
  EXPECT_EQ(s->endpoint, "https://dynamodb.me-central-1.amazonaws.com");

  EXPECT_TRUE(Resolve(vars, AwsOverrides{.region = "me central"}).status().IsInvalidArgument());
}

TEST_F(AwsConfigTest, EndpointChain) {
  WriteConfig("[default]\nregion = eu-west-1\nendpoint_url = http://config-host:8000\n");
  auto vars = EnvKeys();
  vars["AWS_ENDPOINT_URL_DYNAMODB"] = "http://ddb-host:8000/";
  vars["AWS_ENDPOINT_URL"] = "http://any-host:4566";
  Result<AwsSettings> s = Resolve(vars, AwsOverrides{.endpoint = "http://localhost:8000"});
  EXPECT_EQ(s->endpoint, "http://localhost:8000");
  EXPECT_EQ(s->endpoint_source, "endpoint= in the URL");
  s = Resolve(vars);
  EXPECT_EQ(s->endpoint, "http://ddb-host:8000");  // trailing '/' dropped
  EXPECT_EQ(s->endpoint_source, "AWS_ENDPOINT_URL_DYNAMODB");
  vars.erase("AWS_ENDPOINT_URL_DYNAMODB");
  EXPECT_EQ(Resolve(vars)->endpoint, "http://any-host:4566");
  vars.erase("AWS_ENDPOINT_URL");
  EXPECT_EQ(Resolve(vars)->endpoint, "http://config-host:8000");
  vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(Resolve(vars)->endpoint, "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_EQ(Resolve(vars, AwsOverrides{.endpoint = "http://x:1"})->endpoint, "http://x:1");

  Result<AwsSettings> bad = Resolve(EnvKeys(), AwsOverrides{.endpoint = "localhost:8000"});
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("endpoint= in the URL"), std::string::npos);
  EXPECT_EQ(DefaultDynamoDbEndpoint("cn-north-1"), "https://dynamodb.cn-north-1.amazonaws.com.cn");
}

TEST_F(AwsConfigTest, S3EndpointChainReadsItsOwnVariableAndDefault) {
  auto vars = EnvKeys();
  vars["AWS_REGION"] = "eu-west-1";
  vars["AWS_ENDPOINT_URL_DYNAMODB"] = "http://ddb-host:8000";
  const AwsOverrides s3{.service = AwsService::kS3};
  EXPECT_EQ(Resolve(vars, s3)->endpoint, "https://s3.eu-west-1.amazonaws.com");
  vars["AWS_ENDPOINT_URL_S3"] = "http://s3-host:4568/";
  Result<AwsSettings> s = Resolve(vars, s3);
  EXPECT_EQ(s->endpoint, "http://s3-host:4568");
  EXPECT_EQ(s->endpoint_source, "AWS_ENDPOINT_URL_S3");
  EXPECT_EQ(Resolve(vars)->endpoint, "http://ddb-host:8000");  // DynamoDB's own, not S3's
  EXPECT_EQ(DefaultS3Endpoint("cn-north-1"), "https://s3.cn-north-1.amazonaws.com.cn");
}

TEST_F(AwsConfigTest, MissingCredentialsNamesEveryPlaceAndNoSecret) {
  // Files exist, with secrets, but not for the profile asked for.
  WriteCredentials(std::string("[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = ") +
                   kFileSecret + "\n");
  WriteConfig("[profile other]\nregion = eu-west-1\n");
  Result<AwsSettings> s = Resolve({});
  ASSERT_TRUE(s.status().IsNotFound()) << s.status().ToString();
  const std::string msg = s.status().message();
  EXPECT_NE(msg.find("AWS_ACCESS_KEY_ID"), std::string::npos) << msg;
  EXPECT_NE(msg.find((home_ / ".aws/credentials").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find((home_ / ".aws/config").string()), std::string::npos) << msg;
  EXPECT_EQ(msg.find(kFileSecret), std::string::npos) << msg;
  EXPECT_EQ(msg.find("AKIDOTHER"), std::string::npos) << msg;

  // No files at all, and no HOME.
  s = ResolveAwsSettings({}, Environment::FromMap({}, ""));
  ASSERT_TRUE(s.status().IsNotFound());
  EXPECT_NE(s.status().message().find("HOME is not set"), std::string::npos)
      << s.status().ToString();
}

TEST_F(AwsConfigTest, NamedProfileMustExist) {
  WriteBothFiles();
  Result<AwsSettings> s = Resolve(EnvKeys(), AwsOverrides{.profile = "prod"});
  ASSERT_TRUE(s.status().IsNotFound()) << s.status().ToString();
  EXPECT_NE(s.status().message().find("'prod'"), std::string::npos);
  EXPECT_NE(s.status().message().find("profile= in the URL"), std::string::npos);
  EXPECT_EQ(s.status().message().find(kEnvSecret), std::string::npos);
}

TEST_F(AwsConfigTest, HalfAKeyPairIsAnError) {
  Result<AwsSettings> s = Resolve({{"AWS_SECRET_ACCESS_KEY", kEnvSecret}});
  ASSERT_TRUE(s.status().IsInvalidArgument());
  EXPECT_NE(s.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_EQ(s.status().message().find(kEnvSecret), std::string::npos);

  WriteCredentials(std::string("[default]\naws_secret_access_key = ") + kFileSecret + "\n");
  s = Resolve({});
  ASSERT_TRUE(s.status().IsInvalidArgument()) << s.status().ToString();
  EXPECT_NE(s.status().message().find("[default] in " + (home_ / ".aws/credentials").string()),
            std::string::npos)
      << s.status().ToString();
  EXPECT_EQ(s.status().message().find(kFileSecret), std::string::npos);
}

TEST_F(AwsConfigTest, ProfilesNeedingAwsCallsAreNotSupported) {
  WriteConfig(
      "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\n"
      "source_profile = default\n");
  Result<AwsSettings> s = Resolve({}, AwsOverrides{.profile = "admin"});
  ASSERT_TRUE(s.status().IsNotSupported()) << s.status().ToString();
  EXPECT_NE(s.status().message().find("role_arn"), std::string::npos);
}

TEST_F(AwsConfigTest, MalformedFileNamesLineButNotItsText) {
  WriteCredentials(std::string("[default]\naws_access_key_id = AKIDX\n") + kFileSecret + "\n");
  Result<AwsSettings> s = Resolve({});
  ASSERT_TRUE(s.status().IsInvalidArgument()) << s.status().ToString();
  EXPECT_NE(s.status().message().find((home_ / ".aws/credentials").string() + ":3:"),
            std::string::npos)
      << s.status().ToString();
  EXPECT_EQ(s.status().message().find(kFileSecret), std::string::npos);
}

TEST(AwsConfigIniTest, ParsesWhatTheAwsToolsWrite) {
  Result<IniFile> ini = ParseIni(
      "# a comment\n"
      "; another\n"
      "[default]\r\n"
      "  region = me-central-1   # inline comment\n"
      "AWS_Access_Key_ID: AKID\n"
      "output=json;not-a-comment\n"
      "\n"
      "[ profile  dev ] ; trailing\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "endpoint_url = http://h:8000/#frag\n",
      "config");
  ASSERT_TRUE(ini.ok()) << ini.status().ToString();
  const IniFile::Section* d = ini->Find("default");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->at("region"), "me-central-1");
  EXPECT_EQ(d->at("aws_access_key_id"), "AKID");
  EXPECT_EQ(d->at("output"), "json;not-a-comment");
  const IniFile::Section* dev = ini->Find("profile  dev");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->at("s3"), "\nmax_concurrent_requests = 20");
  EXPECT_EQ(dev->at("endpoint_url"), "http://h:8000/#frag");
  EXPECT_EQ(dev->count("max_concurrent_requests"), 0u);

  EXPECT_TRUE(ParseIni("key = value\n", "f").status().IsInvalidArgument());
  EXPECT_TRUE(ParseIni("[open\n", "f").status().IsInvalidArgument());
  Result<IniFile> bad = ParseIni("[a]\nx = 1\njunk\n", "f");
  EXPECT_EQ(bad.status().message(), "f:3: expected [section] or key = value");
}

TEST_F(AwsConfigTest, ProfileSectionWithExtraBlanks) {
  WriteConfig("[profile   spaced ]\naws_access_key_id = AKIDSPACED\naws_secret_access_key = s\n");
  Result<AwsSettings> s = Resolve({{"AWS_PROFILE", "spaced"}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->credentials.access_key_id, "AKIDSPACED");
}

TEST(AwsConfigRedactTest, ShowsOnlyTheEndsOfTheKeyId) {
  AwsCredentials c{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "TOKEN"};
  EXPECT_EQ(Redacted(c), "AKID****MPLE");
  EXPECT_EQ(Redacted(AwsCredentials{"AKIAIOSFODNN7EXAMPLE", "s", ""}), "AKIA****MPLE");
  EXPECT_EQ(Redacted(AwsCredentials{"SHORT", "s", ""}), "****");
  EXPECT_EQ(Redacted(AwsCredentials{}), "(none)");
}

TEST(AwsConfigEnvironmentTest, ProcessEnvironmentIsTheDefault) {
  ::setenv("VDPARK_AWS_CONFIG_TEST_VAR", "value", 1);
  ::setenv("VDPARK_AWS_CONFIG_TEST_EMPTY", "", 1);
  const Environment env = Environment::Process();
  EXPECT_EQ(env.Get("VDPARK_AWS_CONFIG_TEST_VAR"), "value");
  EXPECT_EQ(env.Get("VDPARK_AWS_CONFIG_TEST_EMPTY"), std::nullopt);
  EXPECT_EQ(env.Get("VDPARK_AWS_CONFIG_TEST_UNSET_VAR"), std::nullopt);
  ::unsetenv("VDPARK_AWS_CONFIG_TEST_VAR");
  ::unsetenv("VDPARK_AWS_CONFIG_TEST_EMPTY");
}

}  // namespace
}  // namespace vdpark
