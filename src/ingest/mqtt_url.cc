// ParseMqttUrl and MqttOptions::ServerUri (mqtt_client.h): the broker URL, part by part.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>
#include <string_view>

#include "common/percent_encoding.h"
#include "ingest/mqtt_client.h"

namespace vdpark {

namespace {

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// URL

std::string MqttOptions::ServerUri() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (tls ? "ssl://" : "tcp://") + h + ":" + std::to_string(port);
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

  std::string_view port_text;
  bool has_port = false;
  if (hostport.starts_with('[')) {
    size_t close = hostport.find(']');
    if (close == std::string_view::npos) return bad("the IPv6 address has no closing ']'");
    out.host = std::string(hostport.substr(1, close - 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) {
      return bad("expected ':port' after the IPv6 address, got '" + std::string(after) + "'");
    }
    has_port = !after.empty();
    if (has_port) port_text = after.substr(1);
    in6_addr ip;
    if (inet_pton(AF_INET6, out.host.c_str(), &ip) != 1) {
      return bad("the host '[" + out.host + "]' is not an IPv6 address");
    }
  } else {
    size_t c = hostport.find(':');
    if (c != std::string_view::npos && hostport.find(':', c + 1) != std::string_view::npos) {
      return bad("the host '" + std::string(hostport) +
                 "' has more than one ':' (an IPv6 address goes in brackets)");
    }
    out.host = std::string(hostport.substr(0, c));
    has_port = c != std::string_view::npos;
    if (has_port) port_text = hostport.substr(c + 1);
    for (char ch : out.host) {
      if (!IsHostChar(ch)) {
        return bad("the host '" + out.host + "' is not a host name or address");
      }
    }
  }
  if (out.host.empty()) return bad("the host is missing");
  if (has_port) {
    int port = 0;
    bool digits = !port_text.empty() && port_text.size() <= 5;
    for (char ch : port_text) {
      if (ch < '0' || ch > '9') {
        digits = false;
        break;
      }
      port = port * 10 + (ch - '0');
    }
    if (!digits || port < 1 || port > 65535) {
      return bad("the port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    }
    out.port = port;
  }

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
