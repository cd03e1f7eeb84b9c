// The MQTT client's shared pieces on Paho (mqtt_paho.h).
#include "ingest/mqtt_paho.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace vdpark::mqtt_detail {

thread_local bool t_in_handler = false;

std::string Ms(milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

Status CheckTopicFilter(std::string_view filter) {
  auto bad = [](std::string_view why) { return Status::InvalidArgument(why); };
  if (filter.empty()) return bad("empty");
  if (filter.starts_with("$share/")) return bad("give the group as shared_group instead");
  for (size_t start = 0;;) {
    size_t end = filter.find('/', start);
    std::string_view level =
        filter.substr(start, end == std::string_view::npos ? end : end - start);
    if (level.find_first_of("+#") != std::string_view::npos && level.size() > 1) {
      return bad("'+' and '#' must stand alone in a level");
    }
    if (level == "#" && end != std::string_view::npos) return bad("'#' must be the last level");
    if (end == std::string_view::npos) return Status::OK();
    start = end + 1;
  }
}

namespace {

// MQTT 3.1.1's CONNACK return codes 1-5, or nullptr.
const char* V3ConnackText(int rc) {
  switch (rc) {
    case 1:
      return "unacceptable protocol version";
    case 2:
      return "client identifier rejected";
    case 3:
      return "server unavailable";
    case 4:
      return "bad user name or password";
    case 5:
      return "not authorized";
    default:
      return nullptr;
  }
}

}  // namespace

Status PahoStatus(std::string_view where, int rc, int reason, const std::string& message) {
  const bool v5_reason = [&] {
    if (rc >= 0x80 && rc != mqtt::MQTTPP_V3_CODE &&
        (reason == mqtt::SUCCESS || reason == mqtt::MQTTPP_V3_CODE || reason == rc)) {
      reason = rc;
    }
    return reason >= 0x80 && reason != mqtt::MQTTPP_V3_CODE;
  }();
  const char* v3 = v5_reason ? nullptr : V3ConnackText(rc);
  std::string text = std::string(where) + ": ";
  if (v5_reason) {
    std::string name = mqtt::exception::reason_code_str(reason);
    text +=
        (name.empty() ? "refused" : name) + " (MQTT reason code " + std::to_string(reason) + ")";
  } else if (v3 != nullptr) {
    text += std::string(v3) + " (MQTT 3.1.1 return code " + std::to_string(rc) + ")";
  } else {
    text += (message.empty() ? mqtt::exception::error_str(rc) : message) + " (Paho rc " +
            std::to_string(rc) + ")";
  }
  if (v3 != nullptr) {
    return rc == 3 ? Status::Unavailable(text) : Status::InvalidArgument(text);
  }
  if (!v5_reason) return Status::Unavailable(text);
  switch (reason) {
    case mqtt::UNSUPPORTED_PROTOCOL_VERSION:
    case mqtt::CLIENT_IDENTIFIER_NOT_VALID:
    case mqtt::BAD_USER_NAME_OR_PASSWORD:
    case mqtt::NOT_AUTHORIZED:
    case mqtt::BANNED:
    case mqtt::BAD_AUTHENTICATION_METHOD:
    case mqtt::TOPIC_FILTER_INVALID:
    case mqtt::TOPIC_NAME_INVALID:
    case mqtt::PACKET_TOO_LARGE:
    case mqtt::PAYLOAD_FORMAT_INVALID:
      return Status::InvalidArgument(text);
    case mqtt::SHARED_SUBSCRIPTIONS_NOT_SUPPORTED:
    case mqtt::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED:
    case mqtt::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED:
      return Status::NotSupported(text);
    case mqtt::QUOTA_EXCEEDED:
    case mqtt::CONNECTION_RATE_EXCEEDED:
    case mqtt::MESSAGE_RATE_TOO_HIGH:
      return Status::Throttled(text);
    default:
      return Status::Unavailable(text);
  }
}

Status ExceptionStatus(std::string_view where, const std::exception& e) {
  if (auto* me = dynamic_cast<const mqtt::exception*>(&e)) {
    return PahoStatus(where, me->get_return_code(), me->get_reason_code(), me->get_message());
  }
  return Status::Internal(std::string(where) + ": " + e.what());
}

Status TokenStatus(std::string_view where, const mqtt::token& tok) {
  return PahoStatus(where, tok.get_return_code(), tok.get_reason_code(), "");
}

Status CheckReadable(const MqttOptions& b) {
  for (auto [what, path] : {std::pair{"ca", &b.ca_file}, std::pair{"cert", &b.cert_file},
                            std::pair{"key", &b.key_file}}) {
    if (!path->empty() && access(path->c_str(), R_OK) != 0) {
      return Status::InvalidArgument(b.display + ": " + what + " file '" + *path +
                                     "' cannot be read: " + std::strerror(errno));
    }
  }
  return Status::OK();
}

mqtt::connect_options MakeConnectOptions(const MqttOptions& b, const ConnectSettings& s) {
  mqtt::connect_options o;
  if (b.mqtt_version == 5) {
    o.set_mqtt_version(MQTTVERSION_5);
    o.set_clean_session(false);  // a 3.1.1 flag; Paho refuses it set on an MQTT 5 connect
    o.set_clean_start(!s.persistent);
    if (s.persistent) {
      o.set_properties(mqtt::properties{mqtt::property(
          mqtt::property::SESSION_EXPIRY_INTERVAL, static_cast<int>(s.session_expiry.count()))});
    }
  } else {
    o.set_mqtt_version(MQTTVERSION_3_1_1);
    o.set_clean_session(!s.persistent);
  }
  o.set_keep_alive_interval(s.keep_alive);
  o.set_connect_timeout(s.connect_timeout);
  o.set_automatic_reconnect(s.min_reconnect_delay, s.max_reconnect_delay);
  if (s.max_inflight > 0) o.set_max_inflight(s.max_inflight);
  if (!b.username.empty()) o.set_user_name(b.username);
  if (!b.password.empty()) o.set_password(b.password);
  if (b.tls) {
    mqtt::ssl_options ssl;
    if (!b.ca_file.empty()) ssl.set_trust_store(b.ca_file);
    if (!b.cert_file.empty()) ssl.set_key_store(b.cert_file);
    if (!b.key_file.empty()) ssl.set_private_key(b.key_file);
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);  // the certificate must name the host
    o.set_ssl(std::move(ssl));
  }
  return o;
}

std::unique_ptr<mqtt::async_client> MakeClient(const MqttOptions& b, const std::string& id,
                                               int max_queued) {
  mqtt::create_options co(b.mqtt_version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
  // Publishes wait in Paho's command queue until its send thread writes them, which it cannot do
  // while a handler holds Paho's lock; past this many Paho refuses more (rc -12).
  if (max_queued > 0) co.set_max_buffered_messages(max_queued);
  // No client persistence: the broker holds what the subscriber has not acknowledged, and the
  // publisher reports what it could not deliver instead of keeping it.
  return std::make_unique<mqtt::async_client>(b.ServerUri(), id, co,
                                              static_cast<mqtt::iclient_persistence*>(nullptr));
}

}  // namespace vdpark::mqtt_detail
