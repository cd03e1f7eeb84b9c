#include "store/dynamodb/dynamodb_url.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "common/host_port.h"
#include "common/percent_encoding.h"
#include "common/redact_url.h"

namespace vdpark {

namespace {

constexpr std::string_view kScheme = "dynamodb:";

Status UrlError(std::string_view url, std::string_view why) {
  return Status::InvalidArgument("dynamodb URL '" + RedactUrl(url) + "': " + std::string(why));
}

// Whether `endpoint` is http(s)://HOST[:PORT][/...] (common/host_port.h); `why` says what is wrong
// when not.
bool IsValidEndpoint(std::string_view endpoint, std::string* why) {
  size_t scheme_end = endpoint.find("://");
  std::string scheme(endpoint.substr(0, scheme_end == std::string_view::npos ? 0 : scheme_end));
  for (char& c : scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (scheme != "http" && scheme != "https") {
    *why = "endpoint '" + RedactUrl(endpoint) +
           "': expected an http:// or https:// URL (e.g. endpoint=http://localhost:8000)";
    return false;
  }
  std::string_view rest = endpoint.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  if (auto host_port = ParseHostPort(authority); !host_port.ok()) {
    *why = "endpoint '";
    *why += RedactUrl(endpoint);
    *why += "': ";
    *why += host_port.status().message();
    return false;
  }
  return true;
}

// The endpoint without any "user:password@" (it would be a secret on a screen or in a log).
std::string WithoutUserInfo(const std::string& endpoint) {
  size_t scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos) return endpoint;
  size_t host_start = scheme_end + 3;
  std::string_view authority =
      std::string_view(endpoint).substr(host_start, endpoint.find_first_of("/?#", host_start) -
                                                        std::min(host_start, endpoint.size()));
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return endpoint;
  return endpoint.substr(0, host_start) + endpoint.substr(host_start + at + 1);
}

}  // namespace

bool IsValidTableName(std::string_view name, std::string* why) {
  if (name.size() < 3 || name.size() > 255) {
    *why = "a table name has 3 to 255 characters, '" + std::string(name) + "' has " +
           std::to_string(name.size());
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) {
      *why = "table name '" + std::string(name) + "' has '" + std::string(1, c) +
             "': only letters, digits, '_', '-' and '.' are allowed";
      return false;
    }
  }
  return true;
}

Status ParseAwsUrlQuery(std::string_view url, std::string_view kind, std::string_view query,
                        AwsOverrides* out) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(std::string(kind) + " '" + RedactUrl(url) +
                                   "': " + std::string(why));
  };
  std::string why;
  const std::array<std::pair<std::string_view, std::string*>, 3> parameters = {{
      {"region", &out->region},
      {"endpoint", &out->endpoint},
      {"profile", &out->profile},
  }};
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;  // "?&region=x" and a trailing '&' are harmless
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string* field = nullptr;
    for (const auto& [known, target] : parameters) {
      if (name == known) field = target;
    }
    if (field == nullptr) {
      return bad("unknown parameter '" + std::string(name) +
                 "' (expected region, endpoint, profile)");
    }
    if (!field->empty()) return bad("parameter '" + std::string(name) + "' given twice");
    // '+' stays itself: in a query it is a space only by convention, and endpoint URLs and
    // profile names are where a literal '+' would matter.
    std::optional<std::string> value = PercentDecode(raw, false);
    if (!value) {
      // An endpoint's text may hold a password: the URL shown (redacted) says where it is.
      return bad("parameter '" + std::string(name) + "': a broken %-escape" +
                 (name == "endpoint" ? "" : " in '" + std::string(raw) + "'"));
    }
    if (value->empty()) return bad("parameter '" + std::string(name) + "' is empty");
    *field = std::move(*value);
  }
  if (!out->endpoint.empty() && !IsValidEndpoint(out->endpoint, &why)) {
    return bad(why);
  }
  return Status::OK();
}

Result<DynamoDbUrl> ParseDynamoDbUrl(std::string_view url, const Environment& env) {
  if (!url.starts_with(kScheme)) return UrlError(url, "expected dynamodb://TABLE");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.starts_with("//")) rest.remove_prefix(2);
  size_t question = rest.find('?');
  std::string_view table = rest.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);

  DynamoDbUrl out;
  std::string why;
  if (table.ends_with('/')) table.remove_suffix(1);  // "dynamodb://T/?region=..." is common
  if (!table.empty()) {
    if (!IsValidTableName(table, &why)) return UrlError(url, why);
    out.table = table;
  } else if (std::optional<std::string> from_env = env.Get("TABLE_NAME")) {
    if (!IsValidTableName(*from_env, &why)) {
      return UrlError(url, "no table in the URL, and TABLE_NAME: " + why);
    }
    out.table = std::move(*from_env);
  } else {
    out.table = kDefaultTableName;
  }

  VDPARK_RETURN_IF_ERROR(ParseAwsUrlQuery(url, "dynamodb URL", query, &out.overrides));
  return out;
}

std::string AwsUrlQuery(const AwsOverrides& overrides) {
  std::string out;
  char separator = '?';
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    out += separator;
    out += name;
    out += '=';
    out += PercentEncodeQueryValue(value);
    separator = '&';
  };
  add("region", overrides.region);
  add("endpoint", WithoutUserInfo(overrides.endpoint));
  add("profile", overrides.profile);
  return out;
}

std::string DynamoDbUrl::ToString() const {
  return "dynamodb://" + table + AwsUrlQuery(overrides);
}

}  // namespace vdpark
