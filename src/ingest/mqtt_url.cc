// ParseMqttUrl and MqttOptions::ServerUri (mqtt_client.h): the broker URL, part by part.
#include <string>
#include <string_view>

#include "common/host_port.h"
#include "common/percent_encoding.h"
#include "ingest/mqtt_client.h"

namespace vdpark {

// ---------------------------------------------------------------------------------------------
// URL

std::string MqttOptions::ServerUri() const {
  std::string uri = tls ? "ssl://" : "tcp://";
  uri += FormatHostPort(host, static_cast<uint16_t>(port));
  return uri;
}

Result<MqttOptions> ParseMqttUrl(std::string_view url) {
  MqttOptions out;
  size_t sep = url.find("://");
  std::string_view scheme = sep == std::string_view::npos ? "" : url.substr(0, sep);
  std::string_view rest = sep == std::string_view::npos ? url : url.substr(sep + 3);

  // Userinfo ends at the last '@' (so a password may hold '/', '?' and '@' unencoded; '@' in
  // a query value must be %40); what errors show never has the password.
  size_t at = rest.rfind('@');
  std::string_view userinfo = at == std::string_view::npos ? "" : rest.substr(0, at);
  std::string_view after_user = at == std::string_view::npos ? rest : rest.substr(at + 1);
  size_t colon = userinfo.find(':');
  std::string_view user_part = userinfo.substr(0, colon);
  const bool has_password = colon != std::string_view::npos;
  std::string shown_user =
      at == std::string_view::npos ? "" : std::string(user_part) + (has_password ? ":***@" : "@");
  std::string shown = std::string(scheme) + (sep == std::string_view::npos ? "" : "://") +
                      shown_user + std::string(after_user);
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("MQTT URL '" + shown + "': " + std::string(why));
  };

  if (sep == std::string_view::npos) {
    return bad("expected mqtt://[user:password@]host[:port] or mqtts://...");
  }
  if (scheme == "mqtts") {
    out.tls = true;
    out.port = 8883;
  } else if (scheme != "mqtt") {
    return bad("the scheme '" + std::string(scheme) + "' is not mqtt:// or mqtts://");
  }
  if (at != std::string_view::npos) {
    if (user_part.find_first_of("/?") != std::string_view::npos) {
      return bad("'/', '?' and '@' in the user name or a query value must be percent-encoded");
    }
    auto username = PercentDecode(user_part, false);
    if (!username) return bad("the user name is not validly percent-encoded");
    out.username = std::move(*username);
    if (has_password) {
      auto password = PercentDecode(userinfo.substr(colon + 1), false);
      if (!password) return bad("the password is not validly percent-encoded");
      out.password = std::move(*password);
    }
    if (out.username.empty()) return bad("the user name is empty");
  }

  size_t q = after_user.find('?');
  std::string_view query = q == std::string_view::npos ? "" : after_user.substr(q + 1);
  std::string_view hostport_path = after_user.substr(0, q);
  if (hostport_path.find('#') != std::string_view::npos)
    return bad("a fragment (#) is not allowed");
  size_t slash = hostport_path.find('/');
  std::string_view hostport = hostport_path.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : hostport_path.substr(slash);
  if (!path.empty() && path != "/") {
    return bad("the path '" + std::string(path) + "' is not allowed: the URL names a broker");
  }

  auto host_port = ParseHostPort(hostport);
  if (!host_port.ok()) return bad(host_port.status().message());
  out.host = std::move(host_port->host);
  if (host_port->port) out.port = *host_port->port;

  bool seen_version = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    if (param.empty()) continue;
    size_t eq = param.find('=');
    std::string name(param.substr(0, eq));
    if (eq == std::string_view::npos || eq + 1 == param.size()) {
      return bad("the query parameter '" + name + "' has no value");
    }
    auto decoded = PercentDecode(param.substr(eq + 1), false);
    if (!decoded) return bad("the query parameter '" + name + "' is not validly percent-encoded");
    std::string value = std::move(*decoded);
    std::string* field = nullptr;
    if (name == "client_id") {
      field = &out.client_id;
    } else if (name == "ca" || name == "cert" || name == "key") {
      if (!out.tls) return bad("the query parameter '" + name + "' needs mqtts:// (TLS)");
      field = name == "ca" ? &out.ca_file : name == "cert" ? &out.cert_file : &out.key_file;
    } else if (name == "version") {
      if (seen_version) return bad("the query parameter 'version' is given twice");
      seen_version = true;
      if (value == "5") {
        out.mqtt_version = 5;
      } else if (value == "3" || value == "3.1.1" || value == "4") {
        out.mqtt_version = 3;
      } else {
        return bad("the version '" + value + "' is not 5 or 3 (MQTT 3.1.1)");
      }
      continue;
    } else {
      return bad("unknown query parameter '" + name +
                 "' (known: client_id, ca, cert, key, version)");
    }
    if (!field->empty()) return bad("the query parameter '" + name + "' is given twice");
    *field = std::move(value);
  }
  if (out.cert_file.empty() != out.key_file.empty()) {
    return bad(out.cert_file.empty() ? "the query parameter 'key' needs 'cert' with it"
                                     : "the query parameter 'cert' needs 'key' with it");
  }

  // display: the URL without the password.
  out.display = std::string(scheme) + "://" +
                (at == std::string_view::npos ? "" : std::string(user_part) + "@") +
                std::string(after_user);
  return out;
}

}  // namespace vdpark
