// Secrets in URLs (issue 13, point 5): a broker, store or endpoint password is never printed,
// logged or put in an error, and taking it out never alters the text around it
// (common/redact_url.h). Against the real servers: Mosquitto, dynalite, PostgreSQL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "common/percent_encoding.h"
#include "dynalite.h"
#include "mosquitto.h"
#include "postgres.h"
#include "served_api.h"
#include "store/open_store.h"
#include "store/postgres/postgres_connection.h"
#include "test_dirs.h"

namespace vdpark {
namespace {

using testing::ReadFile;
using testing::RunCli;
using testing::Server;
using testing::TempDir;

TEST(SecretsTest, ServeNeverPrintsTheBrokerPassword) {
  VDPARK_REQUIRE_PRIVATE_MQTT(broker);
  TempDir tmp;
  ASSERT_TRUE(OpenStore("embedded:" + tmp / "store").ok());  // an empty store for serve
  const std::string url = "mqtt://user:PASSWORD@127.0.0.1:" + std::to_string(broker.port());
  {
    Server serve(tmp,
                 {"--store", "embedded:store", "--mqtt", url, "--client-id",
                  testing::UniqueMqttName("secrets")},
                 "serve.log");
    ASSERT_FALSE(serve.WaitUrl().empty()) << serve.log();
    serve.Stop();
  }
  const std::string log = ReadFile(tmp / "serve.log");  // stdout and stderr
  EXPECT_NE(log.find("serving: "), std::string::npos) << log;
  EXPECT_NE(log.find("<- mqtt://user:***@127.0.0.1:"), std::string::npos) << log;
  EXPECT_EQ(log.find("PASSWORD"), std::string::npos) << log;

  // A broker URL serve refuses: the message names it, without the password.
  EXPECT_EQ(RunCli(tmp,
                   "serve --store embedded:store --listen 127.0.0.1:0 --mqtt "
                   "'mqtt://user:PASSWORD@127.0.0.1:1/path'"),
            3);
  const std::string cli = ReadFile(tmp / "cli.log");
  EXPECT_NE(cli.find("mqtt://user:***@127.0.0.1:1/path"), std::string::npos) << cli;
  EXPECT_EQ(cli.find("PASSWORD"), std::string::npos) << cli;
}

TEST(SecretsTest, ADynamoDbEndpointPasswordIsInNoError) {
  const std::string endpoint = testing::DynaliteEndpoint();  // http://127.0.0.1:PORT
  if (endpoint.empty()) return;
  std::string with_password = endpoint;
  with_password.insert(with_password.find("://") + 3, "user:SECRETPW@");
  const std::string table = testing::UniqueTableName("secrets");
  const std::string base = "dynamodb://" + table + "?region=me-central-1&endpoint=";
  for (const std::string& url : {
           base + with_password,                              // no such table there
           base + with_password + "&bogus=1",                 // an unknown parameter
           base + PercentEncode(with_password) + "&bogus=1",  // the endpoint %-encoded
           base + with_password + "/x%3Fy%3D1",               // the endpoint has a query
           base + with_password.substr(0, 4) + "x" + with_password.substr(4),  // not http
       }) {
    auto store = OpenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    const std::string error = store.status().ToString();
    EXPECT_EQ(error.find("SECRETPW"), std::string::npos) << error;
  }
  {
    auto store = OpenStore(base + with_password);
    ASSERT_FALSE(store.ok());
    EXPECT_TRUE(store.status().IsNotFound()) << store.status().ToString();
  }

  // Through the command line: nothing on stdout or stderr either.
  TempDir tmp;
  ASSERT_EQ(RunCli(tmp, "generate --out csv:export --zones 1 --days 1"), 0)
      << ReadFile(tmp / "cli.log");
  EXPECT_NE(RunCli(tmp, "verify --source '" + base + with_password + "' --target csv:export"), 0);
  EXPECT_NE(RunCli(tmp, "migrate --source '" + base + with_password + "&bogus=1' --target csv:out"),
            0);
  // A dry run reads the source only, and says where it would write.
  EXPECT_EQ(
      RunCli(tmp, "migrate --source csv:export --target '" + base + with_password + "' --dry-run"),
      0)
      << ReadFile(tmp / "cli.log");
  const std::string cli = ReadFile(tmp / "cli.log");
  EXPECT_NE(cli.find("user:***@"), std::string::npos) << cli;
  EXPECT_EQ(cli.find("SECRETPW"), std::string::npos) << cli;
}

TEST(SecretsTest, AOneLetterPostgresPasswordLeavesErrorsIntact) {
  testing::PostgresTestSchema schema;
  ASSERT_TRUE(schema.ok());
  // A role whose password is "x": every "x" in a message used to become "***".
  const std::string role = "vdpark_x_" + std::to_string(getpid());
  ASSERT_TRUE(
      schema.Exec("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + " LOGIN PASSWORD 'x'")
          .ok());
  const std::string base = testing::PostgresBaseUrl();  // postgres://vdpark:PW@HOST:PORT/DB
  const std::string host_port = base.substr(base.find('@') + 1, base.rfind('/') - base.find('@'));
  {
    auto url = PostgresUrl::Parse("postgres://" + role + ":x@" + host_port + "vdpark_test");
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    auto conn = PgConnection::Connect(*url);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    Status s = (*conn)->Exec("CREATE EXTENSION vdpark_no_such_extension");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("extension"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("vdpark_no_such_extension"), std::string::npos) << s.ToString();
    EXPECT_EQ(s.message().find("***"), std::string::npos) << s.ToString();
  }
  {
    // A database that does not exist: its name, with an "x" in it, comes back whole.
    auto url = PostgresUrl::Parse("postgres://" + role + ":x@" + host_port + "vdpark_x_none");
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    auto conn = PgConnection::Connect(*url);
    ASSERT_FALSE(conn.ok());
    const std::string error = conn.status().ToString();
    EXPECT_NE(error.find("\"vdpark_x_none\""), std::string::npos) << error;
    EXPECT_EQ(error.find("***"), std::string::npos) << error;
  }
  {
    // A password libpq would refuse quoting it back: refused first, naming the part.
    auto url = PostgresUrl::Parse("postgres://" + role + ":SECRET%zz@" + host_port + "db");
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.status().ToString().find("SECRET"), std::string::npos) << url.status().ToString();
    EXPECT_NE(url.status().ToString().find("the password is not validly percent-encoded"),
              std::string::npos)
        << url.status().ToString();
  }
  EXPECT_TRUE(schema.Exec("DROP ROLE IF EXISTS " + role).ok());
}

}  // namespace
}  // namespace vdpark
