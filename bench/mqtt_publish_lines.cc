// The ingest benchmark's publisher: `mosquitto_pub -l` with a topic on every line. Reads lines
// "TOPIC PAYLOAD" (what `mosquitto_sub -v` prints) from stdin and publishes each at QoS 1 with at
// most --window publishes unacknowledged, through libmosquitto, the client library mosquitto_pub
// is built on. bench/ingest_bench.sh feeds the same lines through it to mosquitto_sub (the
// ceiling) and to `vdpark serve` (end to end), so that the two figures differ only in the
// subscriber.
//
// Prints one JSON object when every PUBACK is in: messages, seconds (first publish to last
// PUBACK), messages_per_s. Exit 1 when the broker cannot be reached or the connection drops.
#include <mosquitto.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

struct Counts {
  long acknowledged = 0;
};

void OnPublish(mosquitto*, void* counts, int) {
  ++static_cast<Counts*>(counts)->acknowledged;
}

int Fail(const char* what, int rc) {
  std::fprintf(stderr, "mqtt_publish_lines: %s: %s\n", what, mosquitto_strerror(rc));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mqtt_publish_lines HOST PORT [WINDOW] < lines\n");
    return 2;
  }
  const char* host = argv[1];
  const int port = std::atoi(argv[2]);
  const long window = argc > 3 ? std::atol(argv[3]) : 100;

  mosquitto_lib_init();
  Counts counts;
  mosquitto* m = mosquitto_new(nullptr, true, &counts);
  if (m == nullptr) return Fail("mosquitto_new", MOSQ_ERR_NOMEM);
  mosquitto_publish_callback_set(m, OnPublish);
  if (int rc = mosquitto_connect(m, host, port, 60); rc != MOSQ_ERR_SUCCESS) {
    return Fail("connect", rc);
  }
  // Services the connection: sends what is queued, reads PUBACKs. `wait_ms` 0 never blocks.
  auto loop = [&](int wait_ms) {
    int rc = mosquitto_loop(m, wait_ms, 1);
    if (rc != MOSQ_ERR_SUCCESS) std::exit(Fail("connection", rc));
  };
  std::ios::sync_with_stdio(false);
  std::string line;
  long sent = 0;
  auto start = std::chrono::steady_clock::now();
  while (std::getline(std::cin, line)) {
    const size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    line[space] = '\0';
    while (sent - counts.acknowledged >= window) loop(100);
    if (sent == 0) start = std::chrono::steady_clock::now();
    const char* payload = line.c_str() + space + 1;
    int rc = mosquitto_publish(m, nullptr, line.c_str(), static_cast<int>(line.size() - space - 1),
                               payload, 1, false);
    if (rc != MOSQ_ERR_SUCCESS) return Fail("publish", rc);
    ++sent;
    loop(0);
  }
  while (counts.acknowledged < sent) loop(100);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  mosquitto_disconnect(m);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  std::printf("{\"messages\":%ld,\"seconds\":%.6f,\"messages_per_s\":%.1f}\n", sent, seconds,
              static_cast<double>(sent) / seconds);
  return 0;
}
