#include "store/postgres/postgres_store.h"

#include "store/postgres/postgres_schema.h"

namespace vdpark {

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(std::string_view url,
                                                           const PostgresStoreOptions& options) {
  VDPARK_ASSIGN_OR_RETURN(auto parsed, PostgresUrl::Parse(url));
  VDPARK_ASSIGN_OR_RETURN(auto conn, PgConnection::Connect(parsed));
  VDPARK_RETURN_IF_ERROR(CheckPostgresSchema(*conn));
  VDPARK_ASSIGN_OR_RETURN_WITH(auto layout, ReadPgLayout(*conn), parsed.display);
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(std::move(parsed), std::move(conn), std::move(layout), options));
}

}  // namespace vdpark
