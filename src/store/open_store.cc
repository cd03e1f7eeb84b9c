// OpenStore: from a store URL (SPEC §1) to the store it names.
#include "store/open_store.h"

#include <filesystem>

#include "common/redact_url.h"
#include "store/csv/csv_store.h"
#include "store/dynamodb/aws_config.h"
#include "store/dynamodb/dynamodb_change_feed.h"
#include "store/dynamodb/dynamodb_client.h"
#include "store/dynamodb/dynamodb_item_store.h"
#include "store/dynamodb/dynamodb_url.h"
#include "store/embedded/rocksdb_item_store.h"
#include "store/postgres/postgres_store.h"
#include "store/s3/s3_event_archive.h"
#include "store/s3/s3_store.h"
#include "store/single_table_store.h"
#include "store/store_urls.h"

namespace vdpark {

namespace {

Status BadUrl(std::string_view url, std::string_view why) {
  return Status::InvalidArgument("store URL '" + RedactUrl(url) + "': " + std::string(why));
}

// The roles of a single-table store (embedded, dynamodb): all three.
OpenedStore AllRoles(std::unique_ptr<SingleTableStore> store) {
  OpenedStore opened;
  opened.live = store.get();
  opened.queries = store.get();
  opened.operators = store.get();
  opened.records = std::move(store);
  return opened;
}

Status NotPlayed(const OpenedStore& s, std::string_view role, std::string_view needed_by,
                 std::string_view which) {
  std::string text(needed_by);
  text += " needs a store that ";
  text += role;
  text += ": ";
  text += s.records->DisplayName();
  text += " does not (";
  text += which;
  text += " do)";
  return Status::InvalidArgument(text);
}

// "scheme:rest" or "scheme://rest" -> rest.
std::string_view AfterScheme(std::string_view url, std::string_view scheme) {
  std::string_view rest = url.substr(scheme.size() + 1);
  if (rest.starts_with("//")) rest.remove_prefix(2);
  return rest;
}

}  // namespace

Status OpenedStore::NeedLive(std::string_view needed_by) const {
  if (live) return Status::OK();
  return NotPlayed(*this, "keeps live state", needed_by, "embedded: and dynamodb://");
}

Status OpenedStore::NeedQueries(std::string_view needed_by) const {
  if (queries) return Status::OK();
  return NotPlayed(*this, "answers the API's queries", needed_by,
                   "embedded:, dynamodb:// and postgres://");
}

Result<std::unique_ptr<RecordStore>> OpenStore(std::string_view url, const StoreOptions& options) {
  VDPARK_ASSIGN_OR_RETURN(auto opened, OpenStoreRoles(url, options));
  return std::move(opened.records);
}

Result<OpenedStore> OpenStoreRoles(std::string_view url, const StoreOptions& options) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return BadUrl(url, "expected one of " + kStoreUrlForms);
  }
  std::string_view scheme = url.substr(0, colon);
  if (scheme == "csv" || scheme == "embedded") {
    std::string dir(AfterScheme(url, scheme));
    if (dir.empty()) return BadUrl(url, "the folder after '" + std::string(scheme) + ":' is empty");
    if (scheme == "csv") {
      VDPARK_ASSIGN_OR_RETURN(auto store, CsvStore::Open(dir, options));
      return OpenedStore{.records = std::move(store)};
    }
    RocksDbOptions rocks;
    rocks.create_if_missing = options.create_if_missing;
    rocks.bulk_load = options.bulk_load;
    rocks.disable_wal = options.bulk_load;
    VDPARK_ASSIGN_OR_RETURN_WITH(auto items, RocksDbItemStore::Open(dir, rocks), "embedded:" + dir);
    RocksDbItemStore* raw = items.get();
    return AllRoles(std::make_unique<SingleTableStore>(std::move(items), "embedded:" + dir,
                                                       MapperOptions{options.retention_days},
                                                       [raw] { return raw->FlushToDisk(); }));
  }
  if (scheme == "dynamodb") {
    // The table must exist already: creating one is a deliberate act (`vdpark table create`),
    // with billing and retention settings, never a side effect of opening.
    VDPARK_ASSIGN_OR_RETURN(auto parsed, ParseDynamoDbUrl(url));
    VDPARK_ASSIGN_OR_RETURN_WITH(auto settings, ResolveAwsSettings(parsed.overrides),
                                 parsed.ToString());
    DynamoDbClientOptions client_options;
    client_options.settings = std::move(settings);
    VDPARK_ASSIGN_OR_RETURN_WITH(auto client, DynamoDbClient::Create(std::move(client_options)),
                                 parsed.ToString());
    DynamoDbStoreOptions store_options;
    store_options.table = parsed.table;
    store_options.concurrency = options.concurrency;
    store_options.max_write_units_per_second = options.max_write_units_per_second;
    VDPARK_ASSIGN_OR_RETURN_WITH(
        auto items, DynamoDbItemStore::Open(std::move(client), std::move(store_options)),
        parsed.ToString());
    DynamoDbItemStore* raw = items.get();
    const MapperOptions mapper{options.retention_days};
    OpenedStore opened = AllRoles(
        std::make_unique<SingleTableStore>(std::move(items), parsed.ToString(), mapper, nullptr));
    opened.feed = std::make_unique<DynamoDbChangeFeed>(raw->client(), parsed.table, *raw, mapper);
    return opened;
  }
  if (scheme == "postgres" || scheme == "postgresql" || scheme == "timescale") {
    // The schema must exist already (`vdpark schema create`), as a DynamoDB table must.
    PostgresStoreOptions pg;
    pg.truncate = options.truncate;
    VDPARK_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(url, pg));
    OpenedStore opened;
    opened.queries = store.get();
    opened.operators = store.get();
    opened.records = std::move(store);
    return opened;
  }
  if (scheme == "s3") {
    VDPARK_ASSIGN_OR_RETURN(auto store, S3Store::OpenUrl(url, options));
    return OpenedStore{.records = std::move(store)};
  }
  return BadUrl(url,
                "unknown scheme '" + std::string(scheme) + "' (expected " + kStoreUrlForms + ")");
}

Result<std::unique_ptr<EventArchive>> OpenEventArchive(std::string_view url) {
  if (!url.starts_with("s3://")) {
    return BadUrl(url, "an archive of events is an s3:// store (s3://BUCKET/PREFIX?...)");
  }
  VDPARK_ASSIGN_OR_RETURN(auto archive, S3EventArchive::Open(url, {}));
  return std::unique_ptr<EventArchive>(std::move(archive));
}

}  // namespace vdpark
