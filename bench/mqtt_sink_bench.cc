// The MQTT client library's own ceiling as `vdpark serve` uses it: a subscriber exactly like
// serve's (MqttSubscriber: Paho, persistent session, QoS 1, the status and health filters, the
// PUBACK when the handler returns) whose handler does nothing. The ingest benchmark
// (bench/ingest_bench.sh) prints its rate beside serve's end to end: the difference is what
// serve's processing costs, the rest is the library's.
//
// With --intake DIR, the handler does what serve's does with an intake log (IngestService): it
// appends the message to an IntakeLog in DIR before returning, and one other thread takes the log's
// messages in batches of 256 and removes them; only the processor (Ingestor::Handle) is left out.
// That is serve with a processor that costs nothing: what serve could reach at most.
//
// Subscribes, prints "ready" on stderr, then takes --messages messages (with --intake: until the
// last is removed from the log) and prints one JSON object: messages, seconds (first message to
// last), messages_per_s.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "ingest/intake_log.h"
#include "ingest/mqtt_client.h"

using namespace vdpark;

int main(int argc, char** argv) {
  std::string url;
  uint64_t messages = 200'000;
  std::string client_id = "vdpark-mqtt-sink-bench";
  std::string intake_dir;
  CLI::App app("The MQTT subscriber alone, handling nothing");
  app.add_option("--mqtt", url, "Broker URL")->required();
  app.add_option("--messages", messages, "Messages to take");
  app.add_option("--client-id", client_id, "Client id");
  app.add_option("--intake", intake_dir, "Append each message to an intake log in this folder");
  CLI11_PARSE(app, argc, argv);

  auto die = [](const Status& s) {
    std::fprintf(stderr, "mqtt_sink_bench: %s\n", s.ToString().c_str());
    return 2;
  };
  std::unique_ptr<IntakeLog> intake;
  if (!intake_dir.empty()) {
    auto opened = IntakeLog::Open(intake_dir);
    if (!opened.ok()) return die(opened.status());
    intake = std::move(*opened);
  }

  auto broker = ParseMqttUrl(url);
  if (!broker.ok()) return die(broker.status());
  MqttSubscriberOptions options;
  options.topics = {"visiondrive/parking/+/+/status", "visiondrive/parking/+/+/health"};
  options.client_id = client_id;
  std::atomic<uint64_t> taken{0}, done{0};
  std::atomic<bool> failed{false};
  std::chrono::steady_clock::time_point first, last;
  auto subscriber = MqttSubscriber::Start(
      *broker, options, [&](std::string_view topic, std::string_view payload, bool) {
        const uint64_t n = ++taken;  // one Paho thread calls this: the clock needs no lock
        if (n == 1) first = std::chrono::steady_clock::now();
        if (!intake) {
          if (n == messages) last = std::chrono::steady_clock::now();
          done.store(n);
          return true;
        }
        if (!intake->Append(Timestamp::Now(), topic, payload).ok()) failed.store(true);
        return true;
      });
  if (!subscriber.ok()) return die(subscriber.status());
  Status connected = (*subscriber)->WaitConnected(std::chrono::seconds(10));
  if (!connected.ok()) return die(connected);
  std::fprintf(stderr, "ready\n");
  // serve's applier without the processor: take in batches, remove each batch from the log.
  std::thread consumer;
  if (intake) {
    consumer = std::thread([&] {
      while (done.load() < messages && !failed.load()) {
        std::vector<IntakeMessage> batch = intake->Take(256, std::chrono::milliseconds(100));
        if (batch.empty()) continue;
        if (!intake->Ack(batch.back().sequence).ok()) failed.store(true);
        if (done.fetch_add(batch.size()) + batch.size() >= messages) {
          last = std::chrono::steady_clock::now();
        }
      }
    });
  }
  while (done.load() < messages && !failed.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (consumer.joinable()) consumer.join();
  (void)(*subscriber)->Stop();
  if (failed.load()) return die(Status::IOError("the intake log failed"));
  const double seconds = std::chrono::duration<double>(last - first).count();
  std::printf("{\"messages\":%llu,\"seconds\":%.6f,\"messages_per_s\":%.1f}\n",
              static_cast<unsigned long long>(messages), seconds,
              static_cast<double>(messages) / seconds);
  return 0;
}
