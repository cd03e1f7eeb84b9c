// Session takeover: ends the subscriber's own connection at the broker while Paho is held in the
// message callback (and so cannot act itself). MQTT: a CONNECT with the client id of a connected
// client makes the broker close that client's connection before it answers with CONNACK; with
// clean start off the session, its subscriptions and its unacknowledged messages carry over.
// This second connection (a raw socket, TLS where the URL says so) then disconnects normally,
// leaving the session to Paho's reconnect.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "ingest/mqtt_client.h"

namespace vdpark::mqtt_detail {

// OK once the broker accepted a connection with `client_id` (CONNACK 0): by then it has closed
// any other connection of that client id (MQTT 3.1.4, both versions), so no PUBACK written to
// the old connection afterwards is read. "Session present" says whether the session (and its
// unacknowledged messages) was still there; a broker that lost it has lost the connection too.
Status TakeOverSession(const MqttOptions& b, const std::string& client_id,
                       std::chrono::seconds expiry, std::chrono::milliseconds timeout);

}  // namespace vdpark::mqtt_detail
