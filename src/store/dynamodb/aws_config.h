// Where the DynamoDB and S3 stores find their region, endpoint and credentials: the same places,
// in the same order, as the AWS CLI and SDKs (SPEC §1, §6), so `aws dynamodb ...` and vdpark agree.
//
// Overrides come from the store URL: dynamodb://TABLE?region=R&endpoint=URL&profile=NAME (and
// s3://BUCKET/PREFIX?... alike).
//
// Credentials, first match wins:
//   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), unless the URL names a
//      profile (as `--profile` does for the CLI; AWS_PROFILE does not hide these variables);
//   2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials),
//      section [NAME];
//   3. the config file (AWS_CONFIG_FILE, else ~/.aws/config), section [profile NAME] or, for the
//      default profile, [default];
// where NAME is the URL's profile=, else AWS_PROFILE, else "default". Keys: aws_access_key_id,
// aws_secret_access_key, aws_session_token. Profiles that need an AWS call to get credentials
// (role_arn, SSO, web identity, credential_process) and instance/container roles are not
// supported: kNotSupported names the profile and the setting.
//
// Region: URL region=, AWS_REGION, AWS_DEFAULT_REGION, `region` in the profile's config section,
// else kDefaultRegion.
// Endpoint: URL endpoint=, AWS_ENDPOINT_URL_DYNAMODB (AWS_ENDPOINT_URL_S3 for S3),
// AWS_ENDPOINT_URL, `endpoint_url` in the profile's config section (the three configured ones are
// skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), else the regional endpoint of AWS.
//
// An environment variable set to the empty string counts as unset. Error messages name the
// variables and files consulted and never contain a secret or a line of a credentials file.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/dynamodb/sigv4.h"

namespace vdpark {

inline constexpr std::string_view kDefaultRegion = "me-central-1";  // the migration plan's region

enum class AwsService { kDynamoDb, kS3 };

// What the store URL says; an empty field was not given.
struct AwsOverrides {
  std::string region;    // region=
  std::string endpoint;  // endpoint=, an http:// or https:// URL
  std::string profile;   // profile=; also turns off credentials from the environment
  // The AWS service the settings are for: which AWS_ENDPOINT_URL_<SERVICE> is read and which
  // default endpoint applies.
  AwsService service = AwsService::kDynamoDb;
};

// Where variables and the home folder come from; tests inject their own.
struct Environment {
  using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

  Lookup lookup;     // empty: the process environment (getenv)
  std::string home;  // for ~/.aws; empty: the variable HOME

  // The process's own environment.
  static Environment Process() { return Environment{}; }
  // Exactly `vars` and `home`, nothing from the process.
  static Environment FromMap(std::map<std::string, std::string> vars, std::string home);

  // The variable's value; nullopt when unset or empty.
  std::optional<std::string> Get(std::string_view name) const;
  // `home`, else HOME; empty when neither is set.
  std::string Home() const;
};

struct AwsSettings {
  std::string region;         // "me-central-1"
  std::string region_source;  // where it came from, for logs: "AWS_REGION", "default", ...
  std::string
      endpoint;  // always set: "https://dynamodb.me-central-1.amazonaws.com" unless overridden
  std::string endpoint_source;  // "endpoint= in the URL", "AWS_ENDPOINT_URL_DYNAMODB", "default"
  AwsCredentials credentials;
  // "environment" or "profile NAME in /home/u/.aws/credentials" (never the keys themselves).
  std::string credentials_source;
  std::string profile;  // the profile consulted for files: URL profile=, AWS_PROFILE or "default"
};

// Resolves everything the DynamoDB store needs. kNotFound when no credentials are found (the
// message lists every place looked), or when a profile named by the URL or AWS_PROFILE is in
// neither file; kInvalidArgument for a malformed file ("path:line: ..."), only one of a key pair,
// or a bad region or endpoint (naming its source); kNotSupported as described above; kIOError
// when a file exists but cannot be read.
Result<AwsSettings> ResolveAwsSettings(const AwsOverrides& overrides,
                                       const Environment& env = Environment::Process());

// "https://dynamodb.{region}.amazonaws.com" (".amazonaws.com.cn" in the China regions).
std::string DefaultDynamoDbEndpoint(std::string_view region);
// "https://s3.{region}.amazonaws.com" (".amazonaws.com.cn" in the China regions).
std::string DefaultS3Endpoint(std::string_view region);

// The key id for logs, middle masked: "AKID****MPLE"; "****" when shorter than 8 characters,
// "(none)" when empty. Never shows the secret or the session token.
std::string Redacted(const AwsCredentials& credentials);

// An INI file as the AWS tools read them. Lines: "[section]", "key = value" (or "key: value"),
// comments starting with '#' or ';' (also after a value when preceded by whitespace), blank lines.
// Keys are lowercased, section names and values trimmed. An indented line under a key with an
// empty value is a nested setting (`s3 =` / `  max_concurrent_requests = 10`) and is appended to
// that value; other indented lines are read like any line. A repeated section or key: the last
// value wins.
struct IniFile {
  using Section = std::map<std::string, std::string, std::less<>>;
  std::map<std::string, Section, std::less<>> sections;

  // The section, or nullptr.
  const Section* Find(std::string_view name) const;
};

// kInvalidArgument "file_name:line: reason" for a line that is none of the above or a key outside
// any section; the line's text is never quoted (it may hold a secret).
Result<IniFile> ParseIni(std::string_view text, std::string_view file_name);

}  // namespace vdpark
