// Races on POST /v1/zones and POST /v1/sensors over real HttpServers with a keys file of two
// tenants, on each store that serves the API: pairs of requests, one per tenant, posting the same
// new id at the same moment must get exactly one 201 and one 409, and the record must be the
// winner's. Embedded is served by one server (one process holds the store) on several threads;
// dynamodb (dynalite, and DynamoDB Local with transactions) and postgres by two servers on two
// stores of one table or database, as two `vdpark serve` processes would be, each tenant posting to
// its own.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <barrier>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/http_server.h"
#include "create_backends.h"
#include "record_test_support.h"

namespace vdpark {
namespace {

using testing::ApiBackend;
using testing::ApiBackendPlace;

constexpr const char* kKeys = "key-a tenant-a\nkey-b tenant-b\n";
// Pairs per race: 200 against a server; embedded (all in memory, its race window before the
// fix far shorter) runs more, so that a check-then-write is caught on every run.
int PairsFor(ApiBackend backend) {
  return backend == ApiBackend::kEmbedded ? 2000 : 200;
}
constexpr int kPairsInFlight = 8;     // pairs racing side by side
constexpr int kThreadsPerServer = 4;  // HTTP threads of a server whose store takes several

struct Reply {
  int status = 0;  // 0: no answer
  std::string body;
};

// One request on a connection of its own, read to the server's close (Connection: close).
Reply Post(uint16_t port, const std::string& target, const std::string& key,
           const std::string& body) {
  Reply reply;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return reply;
  }
  const std::string request =
      "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
      "\r\nX-Api-Key: " + key +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  std::string_view rest = request;
  while (!rest.empty()) {
    ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    rest.remove_prefix(static_cast<size_t>(n));
  }
  std::string in;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t head_end = in.find("\r\n\r\n");
  if (in.starts_with("HTTP/1.1 ") && head_end != std::string::npos) {
    reply.status = std::stoi(in.substr(9, 3));
    reply.body = in.substr(head_end + 4);
  }
  return reply;
}

class CreateRaceTest : public ::testing::TestWithParam<ApiBackend> {
 protected:
  void SetUp() override {
    place_ = std::make_unique<ApiBackendPlace>(GetParam());
    ASSERT_TRUE(place_->ok());
    const int servers = GetParam() == ApiBackend::kEmbedded ? 1 : 2;
    for (int i = 0; i < servers; ++i) {
      OpenedStore* opened = place_->Open();
      ASSERT_NE(opened, nullptr);
      if (i == 0) store_ = opened->queries;
      auto keys = ApiKeys::Parse(kKeys, "keys");
      ASSERT_TRUE(keys.ok()) << keys.status().ToString();
      contexts_.push_back(std::make_unique<ApiContext>(*opened->queries, std::move(*keys)));
      HttpServerOptions options;
      options.listen = "127.0.0.1:0";
      // As serve does: a store on one connection answers one request at a time.
      const bool concurrent = opened->records->SafeForConcurrentCalls();
      options.threads = concurrent ? kThreadsPerServer : 1;
      if (!concurrent) options.store_workers = 1;
      auto server = HttpServer::Start(*contexts_.back(), nullptr, options);
      ASSERT_TRUE(server.ok()) << server.status().ToString();
      servers_.push_back(std::move(*server));
    }
  }
  void TearDown() override {
    servers_.clear();
    contexts_.clear();
    place_.reset();
  }

  int pairs() const { return PairsFor(GetParam()); }

  // The port tenant `t` (0: a, 1: b) posts to.
  uint16_t PortOf(int t) const { return servers_[t % servers_.size()]->port(); }

  // Runs pairs() pairs: pair i posts body_of(i, t) to `target` with tenant t's key, both tenants
  // released together; the replies, [i][t].
  template <typename BodyOf>
  std::vector<std::array<Reply, 2>> RacePairs(const std::string& target, BodyOf body_of) {
    const int total = pairs();
    std::vector<std::array<Reply, 2>> replies(total);
    const char* keys[2] = {"key-a", "key-b"};
    for (int first = 0; first < total; first += kPairsInFlight) {
      const int in_flight = std::min(kPairsInFlight, total - first);
      std::vector<std::unique_ptr<std::barrier<>>> starts;
      for (int p = 0; p < in_flight; ++p) starts.push_back(std::make_unique<std::barrier<>>(2));
      std::vector<std::thread> threads;
      for (int p = 0; p < in_flight; ++p) {
        for (int t = 0; t < 2; ++t) {
          threads.emplace_back([&, p, t] {
            const int i = first + p;
            const std::string body = body_of(i, t);
            starts[p]->arrive_and_wait();
            replies[i][t] = Post(PortOf(t), target, keys[t], body);
          });
        }
      }
      for (auto& th : threads) th.join();
    }
    return replies;
  }

  // Checks that pair i got one 201 and one 409; the tenant (0, 1) that got the 201, or -1.
  static int Winner(const std::array<Reply, 2>& pair, const std::string& what) {
    const int created = (pair[0].status == 201) + (pair[1].status == 201);
    const int conflicts = (pair[0].status == 409) + (pair[1].status == 409);
    EXPECT_TRUE(created == 1 && conflicts == 1)
        << what << ": tenant-a " << pair[0].status << " " << pair[0].body << ", tenant-b "
        << pair[1].status << " " << pair[1].body;
    if (created != 1 || conflicts != 1) return -1;
    return pair[0].status == 201 ? 0 : 1;
  }

  std::unique_ptr<ApiBackendPlace> place_;
  QueryStore* store_ = nullptr;
  std::vector<std::unique_ptr<ApiContext>> contexts_;
  std::vector<std::unique_ptr<HttpServer>> servers_;
};

const char* kTenants[2] = {"tenant-a", "tenant-b"};

TEST_P(CreateRaceTest, OfTwoTenantsPostingOneNewZoneExactlyOneCreatesIt) {
  auto replies = RacePairs("/v1/zones", [](int i, int t) {
    return R"({"zoneId":"zone-race-)" + std::to_string(i) + R"(","name":"Race )" +
           std::to_string(i) + " of " + kTenants[t] + R"("})";
  });
  int lost = 0;
  for (int i = 0; i < pairs(); ++i) {
    const std::string id = "zone-race-" + std::to_string(i);
    const int winner = Winner(replies[i], id);
    if (winner < 0) {
      ++lost;
      continue;
    }
    auto zone = store_->GetZone(id);
    RECORD_ASSERT_OK(zone);
    ASSERT_TRUE(zone->has_value()) << id;
    EXPECT_EQ((*zone)->tenant_id, kTenants[winner]) << id;
    EXPECT_EQ((*zone)->name, "Race " + std::to_string(i) + " of " + kTenants[winner]) << id;
  }
  EXPECT_EQ(lost, 0) << "pairs of " << pairs() << " without exactly one 201 and one 409";
}

TEST_P(CreateRaceTest, OfTwoTenantsPostingOneNewSensorExactlyOneRegistersIt) {
  // Each tenant's own zone; the same sensor id posted into a bay of each.
  for (int t = 0; t < 2; ++t) {
    const std::string body = R"({"zoneId":"zone-)" + std::string(1, "ab"[t]) + R"(","name":"Z"})";
    Reply r = Post(PortOf(t), "/v1/zones", t == 0 ? "key-a" : "key-b", body);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  auto zone_of = [](int t) { return std::string("zone-") + "ab"[t]; };
  auto bay_of = [](int i, int t) { return std::string(1, "AB"[t]) + "-" + std::to_string(i); };
  auto replies = RacePairs("/v1/sensors", [&](int i, int t) {
    return R"({"sensorId":"S-race-)" + std::to_string(i) + R"(","zoneId":")" + zone_of(t) +
           R"(","bayNumber":")" + bay_of(i, t) + R"("})";
  });
  int lost = 0;
  for (int i = 0; i < pairs(); ++i) {
    const std::string id = "S-race-" + std::to_string(i);
    const int winner = Winner(replies[i], id);
    if (winner < 0) {
      ++lost;
      continue;
    }
    auto sensor = store_->GetSensor(id);
    RECORD_ASSERT_OK(sensor);
    ASSERT_TRUE(sensor->has_value()) << id;
    EXPECT_EQ((*sensor)->zone_id, zone_of(winner)) << id;
    EXPECT_EQ((*sensor)->bay_number, bay_of(i, winner)) << id;
    // The loser's bay was not made.
    auto lost_bay = store_->GetBay(zone_of(1 - winner), bay_of(i, 1 - winner));
    RECORD_ASSERT_OK(lost_bay);
    EXPECT_FALSE(lost_bay->has_value()) << id;
  }
  EXPECT_EQ(lost, 0) << "pairs of " << pairs() << " without exactly one 201 and one 409";
}

INSTANTIATE_TEST_SUITE_P(Backends, CreateRaceTest,
                         ::testing::Values(ApiBackend::kEmbedded, ApiBackend::kDynalite,
                                           ApiBackend::kDynamoDbLocal, ApiBackend::kPostgres),
                         [](const ::testing::TestParamInfo<ApiBackend>& info) {
                           return testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace vdpark
