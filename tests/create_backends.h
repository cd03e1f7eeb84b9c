// The stores that serve the API (embedded, dynamodb on dynalite and on DynamoDB Local, postgres),
// each made empty in a
// place of its own, and opened there once or several times, as several processes would open
// one table or database: what the tests of the API's creates race against
// (store_creates_test.cc, create_race_test.cc).
//
// Embedded is held by one process (RocksDB locks its folder): Open() hands out the same store
// every time, to be called from several threads. DynamoDB and PostgreSQL get a store of their own
// per Open(), on the same table or schema.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dynamodb_local.h"
#include "postgres.h"
#include "store/dynamodb/table_admin.h"
#include "store/open_store.h"
#include "store/postgres/postgres_schema.h"
#include "test_dirs.h"

namespace vdpark::testing {

enum class ApiBackend { kEmbedded, kDynalite, kDynamoDbLocal, kPostgres };

inline std::string BackendName(ApiBackend backend) {
  switch (backend) {
    case ApiBackend::kEmbedded:
      return "embedded";
    case ApiBackend::kDynalite:
      return "dynalite";
    case ApiBackend::kDynamoDbLocal:
      return "dynamodb_local";
    case ApiBackend::kPostgres:
      return "postgres";
  }
  return "unknown";
}
inline void PrintTo(ApiBackend backend, std::ostream* os) {
  *os << BackendName(backend);
}

class ApiBackendPlace {
 public:
  // Makes the empty place; a test failure (and url() "") when it cannot.
  explicit ApiBackendPlace(ApiBackend backend) : backend_(backend) {
    Status s = Make();
    if (!s.ok()) {
      ADD_FAILURE() << BackendName(backend) << ": " << s.ToString();
      url_.clear();
    }
  }
  ~ApiBackendPlace() {
    opened_.clear();
    if (client_ != nullptr) {
      Status s = DeleteTable(*client_, table_);
      EXPECT_TRUE(s.ok()) << "DeleteTable " << table_ << ": " << s.ToString();
    }
  }
  ApiBackendPlace(const ApiBackendPlace&) = delete;
  ApiBackendPlace& operator=(const ApiBackendPlace&) = delete;

  ApiBackend backend() const { return backend_; }
  bool ok() const { return !url_.empty(); }
  // A store on the place, open until the place goes: a new one for each call (the same one on
  // embedded); nullptr, with a test failure, when it cannot be opened.
  OpenedStore* Open() {
    if (!ok()) return nullptr;
    if (backend_ == ApiBackend::kEmbedded && !opened_.empty()) return opened_.front().get();
    StoreOptions options;
    options.retention_days = 0;
    auto opened = OpenStoreRoles(url_, options);
    if (!opened.ok()) {
      ADD_FAILURE() << BackendName(backend_) << ": " << opened.status().ToString();
      return nullptr;
    }
    opened_.push_back(std::make_unique<OpenedStore>(std::move(*opened)));
    return opened_.back().get();
  }
  // Whether stores from Open() may be called from several threads at once.
  bool SharedAcrossThreads() const { return backend_ != ApiBackend::kPostgres; }

 private:
  Status Make() {
    switch (backend_) {
      case ApiBackend::kEmbedded:
        url_ = "embedded:" + tmp_ / "db";
        return Status::OK();
      case ApiBackend::kDynalite:
      case ApiBackend::kDynamoDbLocal: {
        const DynamoDbServer server = backend_ == ApiBackend::kDynalite
                                          ? DynamoDbServer::kDynalite
                                          : DynamoDbServer::kDynamoDbLocal;
        std::string endpoint = ServerEndpoint(server);
        if (endpoint.empty()) return Status::InvalidArgument("no " + ServerName(server));
        // OpenStore resolves credentials as the CLI does; the servers want them present, not real.
        setenv("AWS_ACCESS_KEY_ID", "AKIDVDPARKTEST", 0);
        setenv("AWS_SECRET_ACCESS_KEY", "vdpark-test-secret", 0);
        auto client = DynamoDbClient::Create(ServerClientOptions(server, endpoint));
        if (!client.ok()) return client.status();
        client_ = std::move(*client);
        table_ = UniqueTableName("creates");
        TableAdminOptions admin;
        admin.poll_interval = std::chrono::milliseconds(20);
        VDPARK_RETURN_IF_ERROR(CreateTable(*client_, table_, admin).status());
        url_ = "dynamodb://" + table_ + "?region=me-central-1&endpoint=" + endpoint;
        return Status::OK();
      }
      case ApiBackend::kPostgres: {
        schema_ = std::make_unique<PostgresTestSchema>();
        if (!schema_->ok()) return Status::InvalidArgument("no postgres");
        auto url = PostgresUrl::Parse(schema_->url());
        if (!url.ok()) return url.status();
        auto conn = PgConnection::Connect(*url);
        if (!conn.ok()) return conn.status();
        VDPARK_RETURN_IF_ERROR(CreatePostgresSchema(**conn).status());
        url_ = schema_->url();
        return Status::OK();
      }
    }
    return Status::Internal("unknown backend");
  }

  ApiBackend backend_;
  std::string url_;
  TempDir tmp_;
  std::unique_ptr<DynamoDbClient> client_;
  std::string table_;
  std::unique_ptr<PostgresTestSchema> schema_;
  std::vector<std::unique_ptr<OpenedStore>> opened_;
};

}  // namespace vdpark::testing
