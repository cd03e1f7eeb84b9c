// The MQTT client library's own ceiling as `vdpark serve` uses it: a subscriber exactly like
// serve's (MqttSubscriber: Paho, persistent session, QoS 1, the status and health filters, the
// PUBACK when the handler returns) whose handler does nothing. The ingest benchmark
// (bench/ingest_bench.sh) prints its rate beside serve's end to end: the difference is what
// serve's processing costs, the rest is the library's.
//
// Subscribes, prints "ready" on stderr, then takes --messages messages and prints one JSON
// object: messages, seconds (first message to last), messages_per_s.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "ingest/mqtt_client.h"

using namespace vdpark;

int main(int argc, char** argv) {
  std::string url;
  uint64_t messages = 200'000;
  std::string client_id = "vdpark-mqtt-sink-bench";
  CLI::App app("The MQTT subscriber alone, handling nothing");
  app.add_option("--mqtt", url, "Broker URL")->required();
  app.add_option("--messages", messages, "Messages to take");
  app.add_option("--client-id", client_id, "Client id");
  CLI11_PARSE(app, argc, argv);

  auto broker = ParseMqttUrl(url);
  if (!broker.ok()) {
    std::fprintf(stderr, "mqtt_sink_bench: %s\n", broker.status().ToString().c_str());
    return 2;
  }
  MqttSubscriberOptions options;
  options.topics = {"visiondrive/parking/+/+/status", "visiondrive/parking/+/+/health"};
  options.client_id = client_id;
  std::atomic<uint64_t> taken{0};
  std::chrono::steady_clock::time_point first, last;
  auto subscriber =
      MqttSubscriber::Start(*broker, options, [&](std::string_view, std::string_view, bool) {
        const uint64_t n = ++taken;  // one Paho thread calls this: the clock needs no lock
        if (n == 1) first = std::chrono::steady_clock::now();
        if (n == messages) last = std::chrono::steady_clock::now();
        return true;
      });
  if (!subscriber.ok()) {
    std::fprintf(stderr, "mqtt_sink_bench: %s\n", subscriber.status().ToString().c_str());
    return 2;
  }
  Status connected = (*subscriber)->WaitConnected(std::chrono::seconds(10));
  if (!connected.ok()) {
    std::fprintf(stderr, "mqtt_sink_bench: %s\n", connected.ToString().c_str());
    return 2;
  }
  std::fprintf(stderr, "ready\n");
  while (taken.load() < messages) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  (void)(*subscriber)->Stop();
  const double seconds = std::chrono::duration<double>(last - first).count();
  std::printf("{\"messages\":%llu,\"seconds\":%.6f,\"messages_per_s\":%.1f}\n",
              static_cast<unsigned long long>(messages), seconds,
              static_cast<double>(messages) / seconds);
  return 0;
}
