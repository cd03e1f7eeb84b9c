// ParseMqttUrl and MqttOptions::ServerUri (mqtt_client.h): the broker URL, part by part.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/host_port.h"
#include "common/percent_encoding.h"
#include "common/redact_url.h"
#include "ingest/mqtt_client.h"

namespace vdpark {

namespace {

// What is wrong with one part of the URL; ParseMqttUrl says which URL.
Status Bad(std::string_view why) {
  return Status::InvalidArgument(std::string(why));
}

// The URL cut at "://" and at the userinfo's last '@', and the URL as errors show it.
struct UrlParts {
  bool has_scheme = false;  // "://" is there
  std::string_view scheme;
  bool has_userinfo = false;  // '@' is there
  std::string_view user_part;
  std::optional<std::string_view> password;
  std::string_view after_user;  // host, port, path and query
  std::string shown;            // the URL as errors show it: RedactUrl
};

UrlParts SplitUrl(std::string_view url) {
  UrlParts p;
  size_t sep = url.find("://");
  p.has_scheme = sep != std::string_view::npos;
  p.scheme = p.has_scheme ? url.substr(0, sep) : "";
  std::string_view rest = p.has_scheme ? url.substr(sep + 3) : url;

  // Userinfo ends at the last '@' (so a password may hold '/', '?' and '@' unencoded; '@' in
  // a query value must be %40), as RedactUrl reads it: what errors show never has the password.
  size_t at = rest.rfind('@');
  p.has_userinfo = at != std::string_view::npos;
  std::string_view userinfo = p.has_userinfo ? rest.substr(0, at) : "";
  p.after_user = p.has_userinfo ? rest.substr(at + 1) : rest;
  size_t colon = userinfo.find(':');
  p.user_part = userinfo.substr(0, colon);
  if (colon != std::string_view::npos) p.password = userinfo.substr(colon + 1);
  p.shown = RedactUrl(url);
  return p;
}

// TLS or not, from the scheme, and the port that goes with it.
struct Transport {
  bool tls = false;
  int default_port = 1883;
};

Result<Transport> ReadScheme(const UrlParts& p) {
  if (!p.has_scheme) return Bad("expected mqtt://[user:password@]host[:port] or mqtts://...");
  if (p.scheme == "mqtts") return Transport{true, 8883};
  if (p.scheme != "mqtt") {
    return Bad("the scheme '" + std::string(p.scheme) + "' is not mqtt:// or mqtts://");
  }
  return Transport{};
}

struct Credentials {
  std::string username, password;  // "" when none
};

Result<Credentials> ReadCredentials(const UrlParts& p) {
  Credentials c;
  if (!p.has_userinfo) return c;
  if (p.user_part.find_first_of("/?") != std::string_view::npos) {
    return Bad("'/', '?' and '@' in the user name or a query value must be percent-encoded");
  }
  auto username = PercentDecode(p.user_part, false);
  if (!username) return Bad("the user name is not validly percent-encoded");
  c.username = std::move(*username);
  if (p.password) {
    auto password = PercentDecode(*p.password, false);
    if (!password) return Bad("the password is not validly percent-encoded");
    c.password = std::move(*password);
  }
  if (c.username.empty()) return Bad("the user name is empty");
  return c;
}

// What follows the userinfo, cut into host:port and query; a path other than "/" and a fragment
// are refused.
struct Address {
  std::string_view hostport, query;
};

Result<Address> SplitAddress(std::string_view after_user) {
  size_t q = after_user.find('?');
  std::string_view query = q == std::string_view::npos ? "" : after_user.substr(q + 1);
  std::string_view hostport_path = after_user.substr(0, q);
  if (hostport_path.find('#') != std::string_view::npos) {
    return Bad("a fragment (#) is not allowed");
  }
  size_t slash = hostport_path.find('/');
  std::string_view hostport = hostport_path.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : hostport_path.substr(slash);
  if (!path.empty() && path != "/") {
    return Bad("the path '" + std::string(path) + "' is not allowed: the URL names a broker");
  }
  return Address{hostport, query};
}

// The options the query gives (client_id, ca, cert, key, version).
struct QueryOptions {
  std::string client_id, ca_file, cert_file, key_file;
  int mqtt_version = 5;
  bool seen_version = false;
};

// Takes one query parameter into `q`; `tls` for the ones that need mqtts://.
Status ReadQueryParameter(const std::string& name, std::string value, bool tls, QueryOptions& q) {
  std::string* field = nullptr;
  if (name == "client_id") {
    field = &q.client_id;
  } else if (name == "ca" || name == "cert" || name == "key") {
    if (!tls) return Bad("the query parameter '" + name + "' needs mqtts:// (TLS)");
    field = name == "ca" ? &q.ca_file : name == "cert" ? &q.cert_file : &q.key_file;
  } else if (name == "version") {
    if (q.seen_version) return Bad("the query parameter 'version' is given twice");
    q.seen_version = true;
    if (value == "5") {
      q.mqtt_version = 5;
    } else if (value == "3" || value == "3.1.1" || value == "4") {
      q.mqtt_version = 3;
    } else {
      return Bad("the version '" + value + "' is not 5 or 3 (MQTT 3.1.1)");
    }
    return Status::OK();
  } else {
    return Bad("unknown query parameter '" + name + "' (known: client_id, ca, cert, key, version)");
  }
  if (!field->empty()) return Bad("the query parameter '" + name + "' is given twice");
  *field = std::move(value);
  return Status::OK();
}

Result<QueryOptions> ReadQuery(std::string_view query, bool tls) {
  QueryOptions q;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string name(param.substr(0, eq));
    if (eq == std::string_view::npos || eq + 1 == param.size()) {
      return Bad("the query parameter '" + name + "' has no value");
    }
    auto decoded = PercentDecode(param.substr(eq + 1), false);
    if (!decoded) return Bad("the query parameter '" + name + "' is not validly percent-encoded");
    VDPARK_RETURN_IF_ERROR(ReadQueryParameter(name, std::move(*decoded), tls, q));
  }
  if (q.cert_file.empty() != q.key_file.empty()) {
    return Bad(q.cert_file.empty() ? "the query parameter 'key' needs 'cert' with it"
                                   : "the query parameter 'cert' needs 'key' with it");
  }
  return q;
}

// Every part of the URL in turn, each error saying what is wrong with its part.
Result<MqttOptions> ReadUrl(const UrlParts& parts) {
  VDPARK_ASSIGN_OR_RETURN(auto transport, ReadScheme(parts));
  VDPARK_ASSIGN_OR_RETURN(auto credentials, ReadCredentials(parts));
  VDPARK_ASSIGN_OR_RETURN(auto address, SplitAddress(parts.after_user));
  VDPARK_ASSIGN_OR_RETURN(auto host_port, ParseHostPort(address.hostport));
  VDPARK_ASSIGN_OR_RETURN(auto query, ReadQuery(address.query, transport.tls));
  MqttOptions out;
  out.tls = transport.tls;
  out.host = std::move(host_port.host);
  out.port = host_port.port.value_or(transport.default_port);
  out.username = std::move(credentials.username);
  out.password = std::move(credentials.password);
  out.client_id = std::move(query.client_id);
  out.ca_file = std::move(query.ca_file);
  out.cert_file = std::move(query.cert_file);
  out.key_file = std::move(query.key_file);
  out.mqtt_version = query.mqtt_version;
  // display: the URL without the password.
  out.display = std::string(parts.scheme) + "://" +
                (parts.has_userinfo ? std::string(parts.user_part) + "@" : "") +
                std::string(parts.after_user);
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// URL

std::string MqttOptions::ServerUri() const {
  std::string uri = tls ? "ssl://" : "tcp://";
  uri += FormatHostPort(host, static_cast<uint16_t>(port));
  return uri;
}

Result<MqttOptions> ParseMqttUrl(std::string_view url) {
  const UrlParts parts = SplitUrl(url);
  auto options = ReadUrl(parts);
  if (!options.ok()) {
    return Status::InvalidArgument("MQTT URL '" + parts.shown + "': " + options.status().message());
  }
  return options;
}

}  // namespace vdpark
