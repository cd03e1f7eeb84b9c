#include "store/postgres/postgres_store.h"

#include "store/postgres/postgres_schema.h"

namespace vdpark {

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(std::string_view url,
                                                           const PostgresStoreOptions& options) {
  auto parsed = PostgresUrl::Parse(url);
  if (!parsed.ok()) return parsed.status();
  auto conn = PgConnection::Connect(*parsed);
  if (!conn.ok()) return conn.status();
  VDPARK_RETURN_IF_ERROR(CheckPostgresSchema(**conn));
  auto layout = ReadPgLayout(**conn);
  if (!layout.ok()) return layout.status().WithContext(parsed->display);
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(std::move(*parsed), std::move(*conn), std::move(*layout), options));
}

}  // namespace vdpark
