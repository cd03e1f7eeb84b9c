// Tests of the MQTT layer (src/ingest/mqtt_client.h) against Mosquitto with the shipped
// configuration (the URL forms: src/ingest/mqtt_url_test.cc): QoS 1 round trips, persistent
// sessions, a broker restarted mid-stream, a rejected message, a process killed inside its handler,
// shared subscriptions.
#include "ingest/mqtt_client.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mosquitto.h"
#include "wait_until.h"

extern char** environ;

namespace vdpark {
namespace {

using namespace std::chrono_literals;
using testing::UniqueMqttName;
using testing::WaitUntil;

// ---------------------------------------------------------------------------------------------
// Against a broker

// What a handler saw, in order, safe to read from the test's thread.
class Deliveries {
 public:
  struct One {
    std::string topic, payload;
    bool duplicate;
  };

  // A handler recording every message and returning true.
  MqttSubscriber::Handler Recorder() {
    return [this](std::string_view topic, std::string_view payload, bool dup) {
      Add(topic, payload, dup);
      return true;
    };
  }
  void Add(std::string_view topic, std::string_view payload, bool dup) {
    std::lock_guard l(mu_);
    all_.push_back({std::string(topic), std::string(payload), dup});
  }
  std::vector<One> All() const {
    std::lock_guard l(mu_);
    return all_;
  }
  size_t Count() const {
    std::lock_guard l(mu_);
    return all_.size();
  }
  std::set<std::string> Distinct() const {
    std::lock_guard l(mu_);
    std::set<std::string> s;
    for (const One& d : all_) s.insert(d.payload);
    return s;
  }
  // Payloads delivered more than once without the DUP flag on the repeat: never expected.
  std::vector<std::string> RepeatedWithoutDup() const {
    std::lock_guard l(mu_);
    std::set<std::string> seen;
    std::vector<std::string> out;
    for (const One& d : all_) {
      if (!seen.insert(d.payload).second && !d.duplicate) out.push_back(d.payload);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<One> all_;
};

MqttOptions Broker(const std::string& url, int version = 5) {
  auto o = ParseMqttUrl(url);
  EXPECT_TRUE(o.ok()) << o.status().ToString();
  MqttOptions b = o.ok() ? *o : MqttOptions{};
  b.mqtt_version = version;
  return b;
}

MqttSubscriberOptions Subscription(const std::string& topic_filter, const std::string& client_id) {
  MqttSubscriberOptions o;
  o.topics = {topic_filter};
  o.client_id = client_id;
  o.session_expiry = 600s;  // long enough for any test, short enough not to pile up
  return o;
}

std::unique_ptr<MqttSubscriber> Subscribe(const MqttOptions& b, MqttSubscriberOptions o,
                                          MqttSubscriber::Handler h) {
  auto s = MqttSubscriber::Start(b, std::move(o), std::move(h));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return nullptr;
  Status c = (*s)->WaitConnected(20s);
  EXPECT_TRUE(c.ok()) << c.ToString();
  return std::move(*s);
}

std::unique_ptr<MqttPublisher> Publisher(const MqttOptions& b) {
  auto p = MqttPublisher::Connect(b);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(*p) : nullptr;
}

// Publishes "<prefix><i>" for i in [from, to) with PublishAsync, then waits for every PUBACK.
void PublishRange(MqttPublisher& p, const std::string& topic, const std::string& prefix, int from,
                  int to) {
  for (int i = from; i < to; ++i) {
    Status s = p.PublishAsync(topic, prefix + std::to_string(i), 1);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  Status f = p.Flush(30s);
  ASSERT_TRUE(f.ok()) << f.ToString();
}

std::set<std::string> Names(const std::string& prefix, int from, int to) {
  std::set<std::string> s;
  for (int i = from; i < to; ++i) s.insert(prefix + std::to_string(i));
  return s;
}

TEST(MqttClient, PublishSubscribeRoundTripAtQos1) {
  VDPARK_REQUIRE_MQTT(url);
  MqttOptions b = Broker(url);
  const std::string root = UniqueMqttName("roundtrip");
  Deliveries got;
  auto sub = Subscribe(b, Subscription(root + "/+/status", UniqueMqttName("sub")), got.Recorder());
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(sub->Connected());
  auto pub = Publisher(b);
  ASSERT_NE(pub, nullptr);
  for (int i = 0; i < 20; ++i) {
    Status s =
        pub->Publish(root + "/bay" + std::to_string(i) + "/status",
                     R"({"deviceId":"PSL01B-)" + std::to_string(i) + R"(","status":"occupied"})");
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  ASSERT_TRUE(WaitUntil([&] { return got.Count() >= 20; }, 20s)) << got.Count();
  auto all = got.All();
  ASSERT_EQ(all.size(), 20u);
  for (int i = 0; i < 20; ++i) {  // one publisher, one subscriber: in order
    EXPECT_EQ(all[i].topic, root + "/bay" + std::to_string(i) + "/status");
    EXPECT_EQ(all[i].payload,
              R"({"deviceId":"PSL01B-)" + std::to_string(i) + R"(","status":"occupied"})");
    EXPECT_FALSE(all[i].duplicate);
  }
  EXPECT_EQ(pub->published(), 20u);
  EXPECT_TRUE(sub->Stop().ok());
  EXPECT_EQ(sub->stats().received, 20u);
  EXPECT_EQ(sub->stats().acknowledged, 20u);
  EXPECT_EQ(sub->stats().connects, 1u);
}

// Subscribes to `topic` with a persistent session `id` and stops: then publishes "m-<i>" for i
// in [0, count), which the broker keeps for the session.
void LeaveSessionWithBacklog(const MqttOptions& b, const std::string& topic, const std::string& id,
                             int count) {
  {
    Deliveries ignored;
    auto sub = Subscribe(b, Subscription(topic, id), ignored.Recorder());
    ASSERT_NE(sub, nullptr);
    ASSERT_TRUE(sub->Stop().ok());
  }
  auto pub = Publisher(b);
  ASSERT_NE(pub, nullptr);
  PublishRange(*pub, topic, "m-", 0, count);
}

// A subscriber that was away (stopped, or a processor restarting) finds on return everything
// published meanwhile: more than Mosquitto's default queue of 1000, which the shipped
// configuration raises.
class MqttPersistentSession : public ::testing::TestWithParam<int> {};

TEST_P(MqttPersistentSession, ReceivesWhatWasPublishedWhileAway) {
  VDPARK_REQUIRE_MQTT(url);
  MqttOptions b = Broker(url, GetParam());
  const std::string topic = UniqueMqttName("away") + "/z1/7/status";
  const std::string id = UniqueMqttName("sub");
  constexpr int kCount = 3000;
  ASSERT_NO_FATAL_FAILURE(LeaveSessionWithBacklog(b, topic, id, kCount));

  Deliveries got;
  auto sub = Subscribe(b, Subscription(topic, id), got.Recorder());
  ASSERT_NE(sub, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return got.Distinct().size() >= kCount; }, 60s))
      << got.Distinct().size() << " of " << kCount;
  // A sleep, not a wait: nothing more is due, and whatever extra there is would arrive by now.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(got.Distinct(), Names("m-", 0, kCount));
  EXPECT_EQ(got.Count(), static_cast<size_t>(kCount));
}

INSTANTIATE_TEST_SUITE_P(Versions, MqttPersistentSession, ::testing::Values(5, 3),
                         [](const auto& info) { return "Mqtt" + std::to_string(info.param); });

// A session resumed with a backlog that takes the handler longer to work through than the
// start's timeout (a serve restarted after a long stop, on a slow store): the subscriber is
// ready at once, because the broker kept the session's subscriptions; Paho reads the SUBACKs of
// the new SUBSCRIBEs only after the messages sent before them. Before, the start waited for the
// SUBACKs and gave up.
TEST(MqttClient, AResumedSessionWithABacklogIsReadyBeforeItsSubacks) {
  VDPARK_REQUIRE_MQTT(url);
  MqttOptions b = Broker(url);
  const std::string topic = UniqueMqttName("backlog") + "/z1/7/status";
  const std::string id = UniqueMqttName("sub");
  constexpr int kCount = 300;
  ASSERT_NO_FATAL_FAILURE(LeaveSessionWithBacklog(b, topic, id, kCount));

  // 30 ms a message: the broker's window of 100 alone takes 3 s, longer than the wait below.
  Deliveries got;
  auto sub = MqttSubscriber::Start(b, Subscription(topic, id),
                                   [&](std::string_view t, std::string_view p, bool dup) {
                                     std::this_thread::sleep_for(30ms);
                                     got.Add(t, p, dup);
                                     return true;
                                   });
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  Status ready = (*sub)->WaitConnected(1500ms);
  EXPECT_TRUE(ready.ok()) << ready.ToString();
  EXPECT_TRUE((*sub)->Connected());
  EXPECT_LT(got.Count(), static_cast<size_t>(kCount)) << "the backlog was still being handled";
  ASSERT_TRUE(WaitUntil([&] { return got.Distinct().size() >= kCount; }, 60s))
      << got.Distinct().size() << " of " << kCount;
  EXPECT_EQ(got.Distinct(), Names("m-", 0, kCount));
  EXPECT_TRUE((*sub)->Stop().ok());
}

// Runs this test binary again as a child process doing `spec` (see MqttClientChild.Run) and
// returns its wait status.
int RunChild(const std::string& spec) {
  std::string var = "VDPARK_MQTT_CHILD=" + spec;
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  env.push_back(var.data());
  env.push_back(nullptr);
  std::string self = "/proc/self/exe";
  std::string filter = "--gtest_filter=MqttClientChild.Run";
  char* argv[] = {self.data(), filter.data(), nullptr};
  pid_t child = -1;
  if (posix_spawn(&child, self.c_str(), nullptr, nullptr, argv, env.data()) != 0) return -1;
  int status = 0;
  return waitpid(child, &status, 0) == child ? status : -1;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at = s.find(sep); at != std::string::npos; at = s.find(sep, start)) {
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
  out.push_back(s.substr(start));
  return out;
}

// What the tests run in a process of its own, given in VDPARK_MQTT_CHILD:
//   die|URL|CLIENT_ID|TOPIC: subscribes with that session and kills itself (SIGKILL) inside the
//     handler of the first message;
//   publish|URL|TOPIC|PREFIX|FROM|TO: publishes PREFIX<i> for i in [FROM, TO) at QoS 1, at its
//     own pace (a publisher in the subscriber's process is held back by the subscriber's
//     handler, which runs under Paho's process-wide lock).
TEST(MqttClientChild, Run) {
  const char* spec = std::getenv("VDPARK_MQTT_CHILD");
  if (spec == nullptr) {
    GTEST_SKIP() << "runs only as a child process of the MqttClient tests";
  }
  std::vector<std::string> f = Split(spec, '|');
  if (f[0] == "die" && f.size() == 4) {
    auto sub = MqttSubscriber::Start(Broker(f[1]), Subscription(f[3], f[2]),
                                     [](std::string_view, std::string_view, bool) {
                                       raise(SIGKILL);
                                       return true;
                                     });
    ASSERT_TRUE(sub.ok()) << sub.status().ToString();
    // A sleep only as the bound: the handler kills this process the moment a message arrives.
    std::this_thread::sleep_for(30s);
    FAIL() << "no message arrived";
  } else if (f[0] == "publish" && f.size() == 6) {
    auto pub = Publisher(Broker(f[1]));
    ASSERT_NE(pub, nullptr);
    PublishRange(*pub, f[2], f[3], std::stoi(f[4]), std::stoi(f[5]));
  } else {
    FAIL() << "unknown VDPARK_MQTT_CHILD " << spec;
  }
}

TEST(MqttClient, BrokerRestartedMidStreamLosesNothing) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  MqttOptions b = Broker(broker.url());
  const std::string topic = UniqueMqttName("restart") + "/z1/1/status";
  Deliveries got;
  // A processor slower than the publisher, held at its first message until the first half is
  // all published: the broker holds a backlog of thousands when it stops.
  std::atomic<bool> first_half_published{false};
  auto handler = [&](std::string_view t, std::string_view p, bool dup) {
    WaitUntil([&] { return first_half_published.load(); }, 20s);
    std::this_thread::sleep_for(500us);  // a sleep: the processor is slow on purpose
    got.Add(t, p, dup);
    return true;
  };
  MqttSubscriberOptions so = Subscription(topic, UniqueMqttName("sub"));
  so.max_reconnect_delay = 2s;
  auto sub = Subscribe(b, so, handler);
  ASSERT_NE(sub, nullptr);
  auto pub = Publisher(b);
  ASSERT_NE(pub, nullptr);

  constexpr int kHalf = 3000;
  int status = RunChild("publish|" + broker.url() + "|" + topic + "|m-|0|" + std::to_string(kHalf));
  first_half_published = true;
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "publisher child status " << status;
  ASSERT_TRUE(WaitUntil([&] { return got.Count() >= 300; }, 30s));
  const size_t before_restart = got.Count();
  ASSERT_LT(before_restart, static_cast<size_t>(kHalf)) << "the subscriber caught up too soon";
  ASSERT_TRUE(broker.Restart().ok()) << broker.log();

  ASSERT_TRUE(WaitUntil([&] { return pub->reconnects() >= 1 && pub->Connected(); }, 30s));
  PublishRange(*pub, topic, "m-", kHalf, 2 * kHalf);
  ASSERT_TRUE(WaitUntil([&] { return got.Distinct().size() >= 2 * kHalf; }, 60s))
      << got.Distinct().size() << " of " << 2 * kHalf << " (" << before_restart
      << " before the restart)\n"
      << broker.log();
  // A sleep, not a wait: nothing more is due, and a late redelivery would arrive by now.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(got.Distinct(), Names("m-", 0, 2 * kHalf));
  EXPECT_EQ(got.RepeatedWithoutDup(), std::vector<std::string>{});
  MqttSubscriber::Stats st = sub->stats();
  EXPECT_GE(st.reconnects, 1u);
  EXPECT_GE(st.connection_losses, 1u);
  EXPECT_EQ(st.received, got.Count());
  // Whatever came twice came in flight at the restart: at most the broker's in-flight window.
  EXPECT_LE(got.Count() - got.Distinct().size(), 100u + 1u);
}

// A handler that returns false gets the message again, from the broker, before anything that
// followed it. The broker also sends again what it had not yet read the PUBACK of when the
// connection was given up (at least once: marked duplicate).
TEST(MqttClient, RejectedMessageComesBackAndOrderHolds) {
  VDPARK_REQUIRE_MQTT(url);
  MqttOptions b = Broker(url);
  const std::string topic = UniqueMqttName("reject") + "/z1/3/status";
  std::mutex mu;
  std::vector<std::pair<std::string, bool>> seen;     // every delivery, with its DUP flag
  std::vector<std::pair<std::string, bool>> handled;  // the accepted ones
  bool rejected_once = false;
  auto handler = [&](std::string_view, std::string_view p, bool dup) {
    std::lock_guard l(mu);
    seen.emplace_back(std::string(p), dup);
    if (p == "m-3" && !rejected_once) {
      rejected_once = true;
      return false;  // say, the store was unavailable
    }
    handled.emplace_back(std::string(p), dup);
    return true;
  };
  auto sub = Subscribe(b, Subscription(topic, UniqueMqttName("sub")), handler);
  ASSERT_NE(sub, nullptr);
  auto pub = Publisher(b);
  ASSERT_NE(pub, nullptr);
  PublishRange(*pub, topic, "m-", 0, 10);
  auto distinct_handled = [&] {
    std::vector<std::string> firsts;
    std::set<std::string> done;
    for (const auto& [p, dup] : handled) {
      if (done.insert(p).second) firsts.push_back(p);
    }
    return firsts;
  };
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::lock_guard l(mu);
        return distinct_handled().size() >= 10;
      },
      30s));
  // A sleep, not a wait: nothing more is due, and a late redelivery would arrive by now.
  std::this_thread::sleep_for(200ms);
  std::lock_guard l(mu);
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back("m-" + std::to_string(i));
  EXPECT_EQ(distinct_handled(), expected) << "each handled, in order";
  std::set<std::string> done;
  for (const auto& [p, dup] : handled) {
    if (!done.insert(p).second) {
      EXPECT_TRUE(dup) << p << " came again without the DUP flag";
    }
  }
  // m-3: rejected, then delivered again by the broker with the DUP flag.
  size_t rejected_at = 0;
  while (rejected_at < seen.size() && seen[rejected_at].first != "m-3") ++rejected_at;
  size_t again = rejected_at + 1;
  while (again < seen.size() && seen[again].first != "m-3") ++again;
  ASSERT_LT(again, seen.size()) << "m-3 never came again";
  EXPECT_TRUE(seen[again].second);
  for (size_t i = rejected_at + 1; i < again; ++i) {
    EXPECT_TRUE(seen[i].second) << seen[i].first << " between the rejection and m-3's return";
    EXPECT_LT(seen[i].first, "m-3") << "a later message overtook the rejected one";
  }
  MqttSubscriber::Stats st = sub->stats();
  EXPECT_EQ(st.rejected, 1u);
  EXPECT_GE(st.reconnects, 1u);
  // The subscriber took its own session over to leave m-3 unacknowledged: not a collision.
  EXPECT_EQ(st.session_taken_over, 0u);
  EXPECT_EQ(st.takeover_alarms, 0u);
}

// Two subscribers with one client id (two processes started with the same --client-id): each
// connect takes the session from the other. Both see it (MQTT 5 by the broker's reason code,
// MQTT 3.1.1 by connections closed soon after they were made) and raise the alarm.
class MqttSessionTakeover : public ::testing::TestWithParam<int> {};

TEST_P(MqttSessionTakeover, TwoSubscribersWithOneClientIdAreReportedAsACollision) {
  VDPARK_REQUIRE_MQTT(url);
  MqttOptions b = Broker(url, GetParam());
  const std::string id = UniqueMqttName("twin");
  const std::string topic = UniqueMqttName("twin") + "/z1/1/status";
  auto ok = [](std::string_view, std::string_view, bool) { return true; };
  auto one = Subscribe(b, Subscription(topic, id), ok);
  ASSERT_NE(one, nullptr);
  auto two = MqttSubscriber::Start(b, Subscription(topic, id), ok);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_TRUE(WaitUntil(
      [&] { return one->stats().takeover_alarms >= 1 && (*two)->stats().takeover_alarms >= 1; },
      120s))
      << one->stats().session_taken_over << " and " << (*two)->stats().session_taken_over
      << " takeovers";
  EXPECT_GE(one->stats().session_taken_over, 3u);
  EXPECT_EQ(one->stats().takeover_alarms, 1u);  // once per episode, not per takeover
  EXPECT_TRUE((*two)->Stop().ok());
  EXPECT_TRUE(one->Stop().ok());
}

INSTANTIATE_TEST_SUITE_P(Versions, MqttSessionTakeover, ::testing::Values(5, 3),
                         [](const auto& info) { return "Mqtt" + std::to_string(info.param); });

TEST(MqttClient, KilledInsideTheHandlerGetsTheMessageAgain) {
  VDPARK_REQUIRE_MQTT(url);
  MqttOptions b = Broker(url);
  const std::string topic = UniqueMqttName("kill") + "/z1/9/status";
  const std::string id = UniqueMqttName("sub");
  ASSERT_NO_FATAL_FAILURE(LeaveSessionWithBacklog(b, topic, id, 5));

  int status = RunChild("die|" + url + "|" + id + "|" + topic);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child status " << status;

  // The child died holding m-0 unacknowledged: the session has it still.
  Deliveries got;
  auto sub = Subscribe(b, Subscription(topic, id), got.Recorder());
  ASSERT_NE(sub, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return got.Distinct().size() >= 5; }, 30s)) << got.Count();
  auto all = got.All();
  EXPECT_EQ(all[0].payload, "m-0");
  EXPECT_TRUE(all[0].duplicate);
  EXPECT_EQ(got.Distinct(), Names("m-", 0, 5));
}

TEST(MqttClient, SharedSubscriptionSplitsTheStream) {
  VDPARK_REQUIRE_MQTT(url);
  MqttOptions b = Broker(url);
  const std::string topic = UniqueMqttName("shared") + "/z1/+/status";
  const std::string group = UniqueMqttName("group");
  Deliveries one, two;
  MqttSubscriberOptions o1 = Subscription(topic, UniqueMqttName("sub"));
  o1.shared_group = group;
  MqttSubscriberOptions o2 = Subscription(topic, UniqueMqttName("sub"));
  o2.shared_group = group;
  auto s1 = Subscribe(b, o1, one.Recorder());
  auto s2 = Subscribe(b, o2, two.Recorder());
  ASSERT_NE(s1, nullptr);
  ASSERT_NE(s2, nullptr);
  auto pub = Publisher(b);
  ASSERT_NE(pub, nullptr);
  constexpr int kCount = 1000;
  const std::string concrete = topic.substr(0, topic.find('+')) + "12/status";
  PublishRange(*pub, concrete, "m-", 0, kCount);
  ASSERT_TRUE(WaitUntil([&] { return one.Count() + two.Count() >= kCount; }, 30s))
      << one.Count() << " + " << two.Count();
  // A sleep, not a wait: nothing more is due, and a copy sent to both would arrive by now.
  std::this_thread::sleep_for(300ms);
  std::set<std::string> a = one.Distinct(), c = two.Distinct();
  EXPECT_EQ(one.Count() + two.Count(), static_cast<size_t>(kCount)) << "none twice";
  std::set<std::string> both = a;
  both.insert(c.begin(), c.end());
  EXPECT_EQ(both, Names("m-", 0, kCount)) << "none lost";
  EXPECT_GT(a.size(), 0u);
  EXPECT_GT(c.size(), 0u);
}

// Certificates as AWS IoT Core hands them out: a CA, the broker's (for 127.0.0.1) and a client
// certificate with its key, in `dir`. False when openssl cannot make them.
bool MakeCertificates(const std::string& dir) {
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  std::string script = "(cd '" + dir + "' && openssl req -x509" + ec +
                       " -keyout ca.key -out ca.pem -days 2 -subj '/CN=vdpark test CA' &&"
                       " printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && openssl req" +
                       ec +
                       " -keyout server.key -out server.csr -subj '/CN=127.0.0.1' &&"
                       " openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
                       " -out server.pem -days 2 -extfile san.ext && openssl req" +
                       ec +
                       " -keyout client.key -out client.csr -subj '/CN=vdpark-ingest' &&"
                       " openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
                       " -out client.pem -days 2) >/dev/null 2>&1";
  return std::system(script.c_str()) == 0;
}

// mqtts:// with a client certificate: the round trip, and a rejected message, whose connection
// is given up over TLS too.
TEST(MqttClient, TlsWithClientCertificate) {
  testing::PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  const std::string dir = broker.dir().path();
  if (!MakeCertificates(dir)) GTEST_SKIP() << "openssl could not make test certificates";
  Status started =
      broker.Start("listener @PORT2@ 127.0.0.1\ncafile " + dir + "/ca.pem\ncertfile " + dir +
                   "/server.pem\nkeyfile " + dir + "/server.key\nrequire_certificate true\n");
  ASSERT_TRUE(started.ok()) << started.ToString();
  const std::string base =
      "mqtts://127.0.0.1:" + std::to_string(broker.port2()) + "?ca=" + dir + "/ca.pem";
  MqttOptions b = Broker(base + "&cert=" + dir + "/client.pem&key=" + dir + "/client.key");
  ASSERT_TRUE(b.tls);

  const std::string topic = UniqueMqttName("tls") + "/z1/4/status";
  std::mutex mu;
  std::vector<std::string> handled;
  bool rejected_once = false;
  auto handler = [&](std::string_view, std::string_view p, bool) {
    std::lock_guard l(mu);
    if (p == "m-1" && !rejected_once) {
      rejected_once = true;
      return false;
    }
    if (handled.empty() || handled.back() != p) handled.emplace_back(p);
    return true;
  };
  auto sub = Subscribe(b, Subscription(topic, UniqueMqttName("sub")), handler);
  ASSERT_NE(sub, nullptr);
  auto pub = Publisher(b);
  ASSERT_NE(pub, nullptr);
  PublishRange(*pub, topic, "m-", 0, 5);
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::lock_guard l(mu);
        return std::set<std::string>(handled.begin(), handled.end()).size() >= 5;
      },
      30s))
      << broker.log();
  EXPECT_EQ(sub->stats().rejected, 1u);
  EXPECT_GE(sub->stats().reconnects, 1u);

  // Without the client certificate the broker refuses the handshake.
  MqttPublisherOptions po;
  po.connect_timeout = 3s;
  auto refused = MqttPublisher::Connect(Broker(base), po);
  EXPECT_FALSE(refused.ok());
}

// A broker that refuses the client (here: a wrong password) is InvalidArgument, from the
// subscriber's WaitConnected and the publisher's Connect, and the password is not in the message.
TEST(MqttClient, RefusedCredentialsAreInvalidArgument) {
  testing::PrivateBroker broker;
  if (!broker.available()) GTEST_SKIP() << testing::kMosquittoMissing;
  const std::string file = broker.dir() / "passwords";
  if (std::system(
          ("mosquitto_passwd -b -c '" + file + "' ingest right-one >/dev/null 2>&1").c_str()) !=
      0) {
    GTEST_SKIP() << "mosquitto_passwd could not make a password file";
  }
  Status started = broker.Start("password_file " + file);
  ASSERT_TRUE(started.ok()) << started.ToString();
  for (int version : {5, 3}) {
    MqttOptions b = Broker("mqtt://ingest:wrong-one@127.0.0.1:" + std::to_string(broker.port()) +
                               "?version=" + std::to_string(version),
                           version);
    MqttSubscriberOptions o = Subscription("a/b", UniqueMqttName("sub"));
    auto sub =
        MqttSubscriber::Start(b, o, [](std::string_view, std::string_view, bool) { return true; });
    ASSERT_TRUE(sub.ok()) << sub.status().ToString();
    Status w = (*sub)->WaitConnected(5s);
    EXPECT_TRUE(w.IsInvalidArgument()) << version << ": " << w.ToString();
    EXPECT_EQ(w.message().find("wrong-one"), std::string::npos) << w.ToString();
    MqttPublisherOptions po;
    po.connect_timeout = 3s;
    auto pub = MqttPublisher::Connect(b, po);
    ASSERT_FALSE(pub.ok());
    EXPECT_TRUE(pub.status().IsInvalidArgument()) << version << ": " << pub.status().ToString();
  }
  auto right =
      Publisher(Broker("mqtt://ingest:right-one@127.0.0.1:" + std::to_string(broker.port())));
  EXPECT_NE(right, nullptr);
}

TEST(MqttClient, SharedSubscriptionNeedsMqtt5) {
  MqttOptions b = Broker("mqtt://127.0.0.1:1?version=3", 3);
  MqttSubscriberOptions o = Subscription("a/b", "id");
  o.shared_group = "g";
  auto s =
      MqttSubscriber::Start(b, o, [](std::string_view, std::string_view, bool) { return true; });
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().IsInvalidArgument());
  EXPECT_NE(s.status().message().find("MQTT 5"), std::string::npos);
}

TEST(MqttClient, PublishingFromInsideAHandler) {
  VDPARK_REQUIRE_MQTT(url);
  MqttOptions b = Broker(url);
  const std::string root = UniqueMqttName("errors");
  auto pub = Publisher(b);
  ASSERT_NE(pub, nullptr);
  Deliveries errors;
  auto err_sub =
      Subscribe(b, Subscription(root + "/errors", UniqueMqttName("sub")), errors.Recorder());
  ASSERT_NE(err_sub, nullptr);
  Status sync_result;
  std::chrono::steady_clock::duration sync_took{};
  auto handler = [&](std::string_view, std::string_view payload, bool) {
    auto t0 = std::chrono::steady_clock::now();
    sync_result = pub->Publish(root + "/errors", payload, 1);
    sync_took = std::chrono::steady_clock::now() - t0;
    return pub->PublishAsync(root + "/errors", payload, 1).ok();
  };
  auto sub = Subscribe(b, Subscription(root + "/in", UniqueMqttName("sub")), handler);
  ASSERT_NE(sub, nullptr);
  ASSERT_TRUE(pub->Publish(root + "/in", "not json").ok());
  ASSERT_TRUE(WaitUntil([&] { return errors.Count() >= 1; }, 20s));
  EXPECT_EQ(errors.All()[0].payload, "not json");
  EXPECT_TRUE(sync_result.IsInvalidArgument()) << sync_result.ToString();
  EXPECT_LT(sync_took, 1s);
  EXPECT_TRUE(pub->Flush(10s).ok());
}

TEST(MqttClient, UnreachableBrokerIsReportedAndStopIsPrompt) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  const std::string url = broker.url();
  ASSERT_TRUE(broker.Stop().ok());
  MqttOptions b = Broker(url);
  MqttSubscriberOptions o = Subscription("a/b", UniqueMqttName("sub"));
  o.connect_timeout = 2s;
  auto sub =
      MqttSubscriber::Start(b, o, [](std::string_view, std::string_view, bool) { return true; });
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  Status w = (*sub)->WaitConnected(1500ms);
  EXPECT_EQ(w.code(), Status::Code::kUnavailable) << w.ToString();
  EXPECT_NE(w.message().find(b.display), std::string::npos) << w.ToString();
  EXPECT_FALSE((*sub)->Connected());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE((*sub)->Stop().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

  MqttPublisherOptions po;
  po.connect_timeout = 2s;
  auto pub = MqttPublisher::Connect(b, po);
  ASSERT_FALSE(pub.ok());
  EXPECT_EQ(pub.status().code(), Status::Code::kUnavailable) << pub.status().ToString();
}

TEST(MqttClient, SubscriberChecksClientIdAndTopicFilters) {
  MqttOptions b = Broker("mqtt://127.0.0.1:1");
  auto ok = [](std::string_view, std::string_view, bool) { return true; };
  auto no_id = MqttSubscriber::Start(b, Subscription("a/b", ""), ok);
  ASSERT_FALSE(no_id.ok());
  EXPECT_NE(no_id.status().message().find("client id"), std::string::npos);
  MqttSubscriberOptions none = Subscription("a/b", "id");
  none.topics.clear();
  EXPECT_TRUE(MqttSubscriber::Start(b, none, ok).status().IsInvalidArgument());
  for (const char* bad : {"a/#/b", "a/b+", "a/#x", "", "$share/g/a/b"}) {
    auto s = MqttSubscriber::Start(b, Subscription(bad, "id"), ok);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.status().message().find("topic filter '" + std::string(bad) + "'"),
              std::string::npos)
        << s.status().ToString();
  }
  for (const char* good : {"#", "+", "a/+/b/#", "visiondrive/parking/+/+/status"}) {
    auto s = MqttSubscriber::Start(b, Subscription(good, "id"), ok);
    EXPECT_TRUE(s.ok()) << good << ": " << s.status().ToString();
  }
}

}  // namespace
}  // namespace vdpark
