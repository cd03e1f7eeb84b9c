#include "store/dynamodb/aws_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "common/redact_url.h"

namespace vdpark {

namespace {

namespace fs = std::filesystem;

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// A comment after a value needs whitespace before it, so "a#b" stays a value (as in the AWS SDKs).
// `value` is everything after the '=', untrimmed; the result is trimmed.
std::string_view StripInlineComment(std::string_view value) {
  for (size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && IsBlank(value[i - 1])) {
      return Trim(value.substr(0, i));
    }
  }
  return Trim(value);
}

Status LineError(std::string_view file_name, size_t line, std::string_view reason) {
  return Status::InvalidArgument(std::string(file_name) + ":" + std::to_string(line) + ": " +
                                 std::string(reason));
}

// One of the two AWS files, read on first use.
struct AwsFile {
  std::string path;   // empty when it cannot be located (no HOME)
  std::string label;  // how messages name it: the path, or "~/.aws/x (HOME is not set)"
  bool loaded = false;
  bool exists = false;
  IniFile ini;

  Status Load() {
    if (loaded) return Status::OK();
    loaded = true;
    if (path.empty()) return Status::OK();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return Status::OK();
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::IOError("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    VDPARK_ASSIGN_OR_RETURN(ini, ParseIni(text.str(), path));
    exists = true;
    return Status::OK();
  }
};

std::string ExpandHome(const std::string& path, const std::string& home) {
  if (path == "~" || path.starts_with("~/")) {
    if (home.empty()) return "";
    return home + path.substr(1);
  }
  return path;
}

AwsFile LocateFile(const Environment& env, std::string_view variable, std::string_view name) {
  AwsFile file;
  const std::string home = env.Home();
  if (std::optional<std::string> set = env.Get(variable)) {
    file.path = ExpandHome(*set, home);
    file.label = file.path.empty() ? *set + " (from " + std::string(variable) + "; HOME is not set)"
                                   : file.path;
    return file;
  }
  if (home.empty()) {
    file.label = "~/.aws/" + std::string(name) + " (HOME is not set)";
  } else {
    file.path = (fs::path(home) / ".aws" / name).string();
    file.label = file.path;
  }
  return file;
}

constexpr std::string_view kKeyId = "aws_access_key_id";
constexpr std::string_view kSecret = "aws_secret_access_key";
constexpr std::string_view kToken = "aws_session_token";

std::string Value(const IniFile::Section* section, std::string_view key) {
  if (section == nullptr) return "";
  auto it = section->find(key);
  return it == section->end() ? "" : it->second;
}

// Keys from one section: nullopt when it holds neither key; an error when it holds only one.
Result<std::optional<AwsCredentials>> KeysFrom(const IniFile::Section* section,
                                               std::string_view where) {
  AwsCredentials c{Value(section, kKeyId), Value(section, kSecret), Value(section, kToken)};
  if (c.access_key_id.empty() && c.secret_access_key.empty()) {
    return std::optional<AwsCredentials>();
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::InvalidArgument(
        std::string(where) + " has " + std::string(c.access_key_id.empty() ? kSecret : kKeyId) +
        " but no " + std::string(c.access_key_id.empty() ? kKeyId : kSecret));
  }
  return std::optional<AwsCredentials>(std::move(c));
}

// The config file's section for a profile: [default] or [profile default] for the default one,
// [profile NAME] for the others.
const IniFile::Section* ConfigSection(const AwsFile& config, const std::string& profile) {
  if (!config.exists) return nullptr;
  if (profile == "default") {
    if (const IniFile::Section* s = config.ini.Find("default")) return s;
  }
  for (const auto& [name, section] : config.ini.sections) {
    // "[profile   NAME]": any run of blanks between the word and the name.
    if (!name.starts_with("profile") || name.size() <= 7 || !IsBlank(name[7])) continue;
    if (Trim(std::string_view(name).substr(7)) == profile) return &section;
  }
  return nullptr;
}

struct Resolver {
  const AwsOverrides& overrides;
  const Environment& env;
  std::string profile;
  bool profile_named = false;  // by the URL or AWS_PROFILE, so it must exist
  AwsFile credentials_file;
  AwsFile config_file;

  std::string ProfileIn(const AwsFile& file) const {
    return "profile " + profile + " in " + file.label;
  }

  // What the CLI would do for such a profile needs AWS calls (STS, SSO) or a subprocess.
  Status CheckUnsupported(const IniFile::Section* section, bool after_static_keys) const {
    static constexpr std::string_view kBefore[] = {"role_arn", "web_identity_token_file",
                                                   "sso_session", "sso_start_url"};
    static constexpr std::string_view kAfter[] = {"credential_process"};
    if (section == nullptr) return Status::OK();
    const std::span<const std::string_view> keys =
        after_static_keys ? std::span<const std::string_view>(kAfter) : kBefore;
    for (std::string_view key : keys) {
      if (section->contains(key)) {
        return Status::NotSupported(
            ProfileIn(config_file) + " gets its credentials through " + std::string(key) +
            ", which vdpark does not support; export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
            "(for example from `aws configure export-credentials --format env`) instead");
      }
    }
    return Status::OK();
  }

  Result<std::pair<AwsCredentials, std::string>> Credentials() {
    std::vector<std::string> looked;
    if (!overrides.profile.empty()) {
      looked.push_back("environment (skipped: profile= in the URL)");
    } else {
      std::optional<std::string> id = env.Get("AWS_ACCESS_KEY_ID");
      std::optional<std::string> secret = env.Get("AWS_SECRET_ACCESS_KEY");
      if (id && secret) {
        return std::pair{AwsCredentials{*id, *secret, env.Get("AWS_SESSION_TOKEN").value_or("")},
                         std::string("environment")};
      }
      if (id || secret) {
        return Status::InvalidArgument(
            std::string(id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") + " is set but " +
            (id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") + " is not");
      }
      looked.push_back("environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set)");
    }

    VDPARK_RETURN_IF_ERROR(credentials_file.Load());
    VDPARK_RETURN_IF_ERROR(config_file.Load());
    const IniFile::Section* config = ConfigSection(config_file, profile);
    VDPARK_RETURN_IF_ERROR(CheckUnsupported(config, false));

    const IniFile::Section* creds =
        credentials_file.exists ? credentials_file.ini.Find(profile) : nullptr;
    VDPARK_ASSIGN_OR_RETURN(std::optional<AwsCredentials> from_file,
                            KeysFrom(creds, "[" + profile + "] in " + credentials_file.label));
    if (from_file) return std::pair{std::move(*from_file), ProfileIn(credentials_file)};
    looked.push_back("[" + profile + "] in " + credentials_file.label +
                     Missing(credentials_file, creds));

    const std::string config_name =
        profile == "default" ? "[default]" : "[profile " + profile + "]";
    VDPARK_ASSIGN_OR_RETURN(std::optional<AwsCredentials> from_config,
                            KeysFrom(config, config_name + " in " + config_file.label));
    if (from_config) return std::pair{std::move(*from_config), ProfileIn(config_file)};
    VDPARK_RETURN_IF_ERROR(CheckUnsupported(config, true));
    looked.push_back(config_name + " in " + config_file.label + Missing(config_file, config));

    if (profile_named && creds == nullptr && config == nullptr) {
      return Status::NotFound("AWS profile '" + profile + "' (from " +
                              (overrides.profile.empty() ? "AWS_PROFILE" : "profile= in the URL") +
                              ") is in neither " + credentials_file.label + " nor " +
                              config_file.label);
    }
    std::string message = "no AWS credentials found; looked in: ";
    for (size_t i = 0; i < looked.size(); ++i) message += (i ? "; " : "") + looked[i];
    message += ". Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`";
    return Status::NotFound(message);
  }

  static std::string Missing(const AwsFile& file, const IniFile::Section* section) {
    if (file.path.empty()) return "";
    if (!file.exists) return " (no such file)";
    return section == nullptr ? " (no such section)" : " (no keys there)";
  }

  Result<std::pair<std::string, std::string>> Region() {
    std::pair<std::string, std::string> found;
    if (!overrides.region.empty()) {
      found = {overrides.region, "region= in the URL"};
    } else if (std::optional<std::string> var = env.Get("AWS_REGION")) {
      found = {*var, "AWS_REGION"};
    } else if (std::optional<std::string> legacy = env.Get("AWS_DEFAULT_REGION")) {
      found = {*legacy, "AWS_DEFAULT_REGION"};
    } else {
      VDPARK_RETURN_IF_ERROR(config_file.Load());
      std::string configured = Value(ConfigSection(config_file, profile), "region");
      found = configured.empty() ? std::pair{std::string(kDefaultRegion), std::string("default")}
                                 : std::pair{configured, "region of " + ProfileIn(config_file)};
    }
    // The region goes into a host name and the signature's scope.
    for (char c : found.first) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
      if (!ok) {
        return Status::InvalidArgument("region '" + found.first + "' from " + found.second +
                                       ": only letters, digits, '-' and '_' are allowed");
      }
    }
    return found;
  }

  std::string_view ServiceEndpointVariable() const {
    return overrides.service == AwsService::kS3 ? "AWS_ENDPOINT_URL_S3"
                                                : "AWS_ENDPOINT_URL_DYNAMODB";
  }

  Result<std::pair<std::string, std::string>> Endpoint(const std::string& region) {
    std::pair<std::string, std::string> found;
    const bool ignore_configured =
        Lowercase(env.Get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").value_or("")) == "true";
    if (!overrides.endpoint.empty()) {
      found = {overrides.endpoint, "endpoint= in the URL"};
    } else if (std::optional<std::string> service = env.Get(ServiceEndpointVariable());
               service && !ignore_configured) {
      found = {*service, std::string(ServiceEndpointVariable())};
    } else if (std::optional<std::string> global = env.Get("AWS_ENDPOINT_URL");
               global && !ignore_configured) {
      found = {*global, "AWS_ENDPOINT_URL"};
    } else {
      std::string configured;
      if (!ignore_configured) {
        VDPARK_RETURN_IF_ERROR(config_file.Load());
        configured = Value(ConfigSection(config_file, profile), "endpoint_url");
      }
      if (configured.empty()) {
        return std::pair{overrides.service == AwsService::kS3 ? DefaultS3Endpoint(region)
                                                              : DefaultDynamoDbEndpoint(region),
                         std::string("default")};
      }
      found = {configured, "endpoint_url of " + ProfileIn(config_file)};
    }
    std::string& url = found.first;
    const size_t scheme_end = url.find("://");
    const std::string scheme =
        scheme_end == std::string::npos ? "" : Lowercase(url.substr(0, scheme_end));
    if ((scheme != "http" && scheme != "https") || url.size() == scheme_end + 3) {
      return Status::InvalidArgument("endpoint '" + RedactUrl(url) + "' from " + found.second +
                                     ": expected http://HOST[:PORT] or https://HOST[:PORT]");
    }
    while (url.size() > scheme_end + 3 && url.back() == '/') url.pop_back();
    return found;
  }
};

}  // namespace

Environment Environment::FromMap(std::map<std::string, std::string> vars, std::string home) {
  Environment env;
  env.lookup = [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.home = std::move(home);
  return env;
}

std::optional<std::string> Environment::Get(std::string_view name) const {
  std::optional<std::string> value;
  if (lookup) {
    value = lookup(name);
  } else if (const char* v = std::getenv(std::string(name).c_str())) {
    value = v;
  }
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string Environment::Home() const {
  if (!home.empty()) return home;
  return Get("HOME").value_or("");
}

Result<AwsSettings> ResolveAwsSettings(const AwsOverrides& overrides, const Environment& env) {
  Resolver r{overrides,
             env,
             "",
             false,
             LocateFile(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials"),
             LocateFile(env, "AWS_CONFIG_FILE", "config")};
  if (!overrides.profile.empty()) {
    r.profile = overrides.profile;
    r.profile_named = true;
  } else if (std::optional<std::string> p = env.Get("AWS_PROFILE")) {
    r.profile = *p;
    r.profile_named = true;
  } else {
    r.profile = "default";
  }

  AwsSettings settings;
  settings.profile = r.profile;
  VDPARK_ASSIGN_OR_RETURN(auto region, r.Region());
  std::tie(settings.region, settings.region_source) = std::move(region);
  VDPARK_ASSIGN_OR_RETURN(auto endpoint, r.Endpoint(settings.region));
  std::tie(settings.endpoint, settings.endpoint_source) = std::move(endpoint);
  VDPARK_ASSIGN_OR_RETURN(auto credentials, r.Credentials());
  std::tie(settings.credentials, settings.credentials_source) = std::move(credentials);
  return settings;
}

std::string DefaultDynamoDbEndpoint(std::string_view region) {
  const bool china = region.starts_with("cn-");
  return "https://dynamodb." + std::string(region) +
         (china ? ".amazonaws.com.cn" : ".amazonaws.com");
}

std::string DefaultS3Endpoint(std::string_view region) {
  const bool china = region.starts_with("cn-");
  return "https://s3." + std::string(region) + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
}

std::string Redacted(const AwsCredentials& credentials) {
  const std::string& id = credentials.access_key_id;
  if (id.empty()) return "(none)";
  if (id.size() < 8) return "****";
  return id.substr(0, 4) + "****" + id.substr(id.size() - 4);
}

const IniFile::Section* IniFile::Find(std::string_view name) const {
  auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

Result<IniFile> ParseIni(std::string_view text, std::string_view file_name) {
  IniFile ini;
  IniFile::Section* section = nullptr;
  std::string* nested_parent = nullptr;  // the value of a key with an empty value, for nesting
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (IsBlank(raw.front()) && nested_parent != nullptr) {
      nested_parent->append("\n").append(StripInlineComment(raw));
      continue;
    }
    nested_parent = nullptr;

    if (line.front() == '[') {
      const size_t close = line.find(']');
      if (close == std::string_view::npos) return LineError(file_name, line_no, "missing ']'");
      const std::string_view rest = Trim(line.substr(close + 1));
      if (!rest.empty() && rest.front() != '#' && rest.front() != ';') {
        return LineError(file_name, line_no, "unexpected text after ']'");
      }
      const std::string_view name = Trim(line.substr(1, close - 1));
      if (name.empty()) return LineError(file_name, line_no, "empty section name");
      section = &ini.sections[std::string(name)];
      continue;
    }

    const size_t delim = line.find_first_of("=:");
    if (delim == std::string_view::npos) {
      return LineError(file_name, line_no, "expected [section] or key = value");
    }
    const std::string key = Lowercase(Trim(line.substr(0, delim)));
    if (key.empty()) return LineError(file_name, line_no, "missing key before '='");
    if (section == nullptr) return LineError(file_name, line_no, "key outside any [section]");
    std::string& value = (*section)[key];
    value = std::string(StripInlineComment(line.substr(delim + 1)));
    if (value.empty()) nested_parent = &value;
  }
  return ini;
}

}  // namespace vdpark
