#include "store/store_place.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "store/dynamodb/aws_config.h"
#include "store/dynamodb/dynamodb_url.h"
#include "store/postgres/postgres_connection.h"
#include "store/s3/s3_url.h"

namespace vdpark {

namespace {

namespace fs = std::filesystem;

// "scheme:rest" or "scheme://rest" -> rest, as OpenStore reads a folder URL.
std::optional<std::string> FolderOf(std::string_view url, std::string_view scheme) {
  if (!url.starts_with(scheme) || url.size() <= scheme.size() || url[scheme.size()] != ':') {
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme.size() + 1);
  if (rest.starts_with("//")) rest.remove_prefix(2);
  return std::string(rest);
}

// `dir` made absolute, symbolic links of the part that exists followed, "." and ".." resolved,
// without a trailing "/".
std::string ResolvedFolder(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(dir, ec);
  if (ec) p = dir;
  fs::path resolved = fs::weakly_canonical(p, ec);
  std::string s = (ec ? p.lexically_normal() : resolved.lexically_normal()).string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// Whether the folders `a` and `b` are one: the same file on disk where both exist, else the same
// resolved path. Sets *shown to the folder.
bool SameFolder(const std::string& a, const std::string& b, std::string* shown) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) {
    bool same = fs::equivalent(a, b, ec);
    if (!ec) {
      *shown = ResolvedFolder(a);
      return same;
    }
  }
  const std::string ra = ResolvedFolder(a);
  *shown = ra;
  return ra == ResolvedFolder(b);
}

bool IsPostgres(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://") ||
         url.starts_with("timescale://");
}

// Where a store is, for comparing (`key`) and for the message (`shown`, `url` without secrets).
struct Place {
  std::string key, shown, url;
};

// A PostgreSQL database: host, port, database and options, as libpq would connect.
std::optional<Place> PostgresPlace(std::string_view url) {
  auto parsed = PostgresUrl::Parse(url);
  if (!parsed.ok()) return std::nullopt;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(parsed->conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return std::nullopt;
  }
  std::map<std::string, std::string> given;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') given[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  auto value = [&](const char* keyword, const char* variable, std::string fallback) {
    if (auto it = given.find(keyword); it != given.end()) return it->second;
    const char* env = std::getenv(variable);
    return env && *env ? std::string(env) : fallback;
  };
  std::string host = value("host", "PGHOST", "");
  if (host.empty()) host = value("hostaddr", "PGHOSTADDR", "");
  if (host.empty() || host == "127.0.0.1" || host == "::1" || host == "[::1]") host = "localhost";
  const std::string port = value("port", "PGPORT", "5432");
  const std::string db = value("dbname", "PGDATABASE", value("user", "PGUSER", ""));
  return Place{host + '\n' + port + '\n' + db + '\n' + value("options", "PGOPTIONS", ""),
               "database '" + db + "' on " + host + ":" + port, parsed->display};
}

// A DynamoDB table: the table, the endpoint and the access key, as the store resolves them; the
// URL's own settings when they cannot be resolved.
std::optional<Place> DynamoDbPlace(std::string_view url) {
  auto parsed = ParseDynamoDbUrl(url);
  if (!parsed.ok()) return std::nullopt;
  auto settings = ResolveAwsSettings(parsed->overrides);
  std::string key = parsed->table + '\n';
  if (settings.ok()) {
    key += settings->endpoint + '\n' + settings->credentials.access_key_id;
  } else {
    key += parsed->overrides.endpoint + '\n' + parsed->overrides.region + '\n' +
           parsed->overrides.profile;
  }
  return Place{std::move(key), "the table " + parsed->table, parsed->ToString()};
}

// An S3 store: the bucket and prefix on the endpoint, with the access key, as the store resolves
// them.
std::optional<Place> S3Place(std::string_view url) {
  auto parsed = ParseS3Url(url);
  if (!parsed.ok()) return std::nullopt;
  auto settings = ResolveAwsSettings(parsed->overrides);
  std::string key = parsed->bucket + '/' + parsed->prefix + '\n';
  if (settings.ok()) {
    key += settings->endpoint + '\n' + settings->credentials.access_key_id;
  } else {
    key += parsed->overrides.endpoint + '\n' + parsed->overrides.profile;
  }
  return Place{std::move(key), "s3://" + parsed->bucket + "/" + parsed->prefix, parsed->ToString()};
}

// A csv: or embedded: folder.
std::optional<Place> FolderPlace(std::string_view url, std::string_view scheme) {
  auto folder = FolderOf(url, scheme);
  if (!folder || folder->empty()) return std::nullopt;
  return Place{*folder, "", std::string(url)};
}

Status Same(const Place& source, const Place& target) {
  return Status::InvalidArgument("the source " + source.url + " and the target " + target.url +
                                 " are the same store (" + source.shown +
                                 "): a store cannot be migrated into itself; give another "
                                 "--target");
}

}  // namespace

std::optional<std::string> CsvFolderOf(std::string_view url) {
  return FolderOf(url, "csv");
}

Status CheckDifferentStores(std::string_view source_url, std::string_view target_url) {
  for (std::string_view scheme : {"csv", "embedded"}) {
    auto a = FolderPlace(source_url, scheme);
    auto b = FolderPlace(target_url, scheme);
    if (!a || !b) continue;
    std::string folder;
    if (!SameFolder(a->key, b->key, &folder)) return Status::OK();
    a->shown = "the folder " + folder;
    return Same(*a, *b);
  }
  std::optional<Place> a, b;
  if (IsPostgres(source_url) && IsPostgres(target_url)) {
    a = PostgresPlace(source_url);
    b = PostgresPlace(target_url);
  } else if (source_url.starts_with("dynamodb:") && target_url.starts_with("dynamodb:")) {
    a = DynamoDbPlace(source_url);
    b = DynamoDbPlace(target_url);
  } else if (source_url.starts_with("s3://") && target_url.starts_with("s3://")) {
    a = S3Place(source_url);
    b = S3Place(target_url);
  }
  if (a && b && a->key == b->key) return Same(*a, *b);
  return Status::OK();
}

}  // namespace vdpark
