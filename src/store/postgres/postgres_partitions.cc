// PostgresStore's partitions for a resumable load (store.h: PartitionEvents,
// ScanEventPartitions), in one of two forms:
//   - a TimescaleDB hypertable: time ranges cut where its chunks begin, each read from the
//     chunks that overlap it (through each chunk, which decompresses what is compressed), each
//     naming the chunks it covered so that a later run can tell when one has been dropped;
//   - any other table: page ranges of parking_events and of its inheritance children (a
//     declarative partitioning's leaves), named by the table's oid and relfilenode so that a later
//     run can tell whether they still hold the same rows.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/postgres_rows.h"
#include "store/postgres/postgres_store.h"

namespace vdpark {

namespace {

// Reads all of `text` as a number; false when it is not one.
template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// A table holding events: parking_events itself, or one of its inheritance descendants.
struct EventTable {
  uint32_t oid = 0;          // pg_class.oid: the same while the table exists
  uint32_t relfilenode = 0;  // its file: a new one when the table is rewritten
  std::string name;          // as regclass prints it (quoted, qualified where the path needs it)
  int64_t pages = 0;         // its size in pages when it was looked up
  char kind = 'r';           // pg_class.relkind: 'r' a table, 'p' a partitioned one (no rows)
};

// parking_events and its inheritance descendants at any depth (a hypertable's chunks are its
// children), by oid.
Result<std::vector<EventTable>> EventTables(PgConnection& conn) {
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto r,
      conn.Query(
          "WITH RECURSIVE t(oid) AS (SELECT 'parking_events'::regclass::oid UNION ALL SELECT "
          "i.inhrelid FROM pg_inherits i JOIN t ON i.inhparent = t.oid) SELECT c.oid, "
          "c.relfilenode, c.oid::regclass::text, pg_relation_size(c.oid) / "
          "current_setting('block_size')::bigint, c.relkind FROM t JOIN pg_class c ON c.oid = "
          "t.oid ORDER BY c.oid"),
      "listing the tables of parking_events");
  std::vector<EventTable> tables;
  for (int i = 0; i < r.rows(); ++i) {
    EventTable t;
    t.name = std::string(r.value(i, 2));
    t.kind = r.value(i, 4).empty() ? '?' : r.value(i, 4)[0];
    if (!ParseNumber(r.value(i, 0), &t.oid) || !ParseNumber(r.value(i, 1), &t.relfilenode) ||
        !ParseNumber(r.value(i, 3), &t.pages)) {
      return Status::Internal("unexpected size or oid of " + t.name + " in pg_class");
    }
    tables.push_back(std::move(t));
  }
  return tables;
}

// One partition: pages [from, to) of one table; no `to`: to its end, however far it grows.
struct PageRange {
  uint32_t oid = 0;
  uint32_t relfilenode = 0;
  int64_t from = 0;
  std::optional<int64_t> to;

  // "pg:<oid>:<relfilenode>:<from>:<to or empty>".
  std::string Id() const {
    return "pg:" + std::to_string(oid) + ":" + std::to_string(relfilenode) + ":" +
           std::to_string(from) + ":" + (to ? std::to_string(*to) : "");
  }

  // The range an Id() names; nullopt when `id` is not one.
  static std::optional<PageRange> Parse(std::string_view id) {
    std::vector<std::string_view> parts;
    for (size_t at = 0;;) {
      const size_t colon = id.find(':', at);
      parts.push_back(id.substr(at, colon - at));
      if (colon == std::string_view::npos) break;
      at = colon + 1;
    }
    if (parts.size() != 5 || parts[0] != "pg") return std::nullopt;
    PageRange r;
    if (!ParseNumber(parts[1], &r.oid) || !ParseNumber(parts[2], &r.relfilenode) ||
        !ParseNumber(parts[3], &r.from) || r.from < 0) {
      return std::nullopt;
    }
    if (!parts[4].empty()) {
      int64_t to = 0;
      if (!ParseNumber(parts[4], &to) || to <= r.from) return std::nullopt;
      r.to = to;
    }
    return r;
  }

  // What to read for it from `table`: the FROM and WHERE of a TID range scan.
  std::string Source(const std::string& table, std::optional<Timestamp> since) const {
    // ONLY: the parent's rows alone; each child has partitions of its own.
    std::string source = "ONLY " + table + " WHERE ctid >= '(" + std::to_string(from) + ",0)'::tid";
    if (to) source += " AND ctid < '(" + std::to_string(*to) + ",0)'::tid";
    if (since) source += " AND \"timestamp\" >= " + TimeLiteral(*since);
    return source;
  }
};

// About `wanted` ranges in all, shared out in proportion to the tables' sizes, at least one per
// table and at least one page per range; the last range of each table is open-ended. A
// partitioned parent has no rows of its own, and none.
std::vector<PageRange> CutIntoPageRanges(const std::vector<EventTable>& tables, int wanted) {
  int64_t total = 0;
  for (const EventTable& t : tables) total += t.pages;
  std::vector<PageRange> ranges;
  for (const EventTable& t : tables) {
    if (t.kind == 'p') continue;
    const int64_t share = total > 0 ? (std::max(wanted, 1) * t.pages + total / 2) / total : 0;
    const int64_t count = std::clamp<int64_t>(share, 1, std::max<int64_t>(t.pages, 1));
    for (int64_t i = 0; i < count; ++i) {
      PageRange r{t.oid, t.relfilenode, t.pages * i / count, std::nullopt};
      if (i + 1 < count) r.to = t.pages * (i + 1) / count;
      ranges.push_back(r);
    }
  }
  return ranges;
}

// A chunk of the hypertable parking_events, from TimescaleDB's catalog.
struct Chunk {
  std::string name;          // schema-qualified, quoted where needed
  int64_t from = 0, to = 0;  // its time range [from, to), in microseconds since the epoch
  bool compressed = false;

  // For messages: "compressed chunk _timescaledb_internal._hyper_1_3_chunk of parking_events".
  std::string Describe() const {
    return (compressed ? "compressed chunk " : "chunk ") + name + " of parking_events";
  }
};

Result<std::vector<Chunk>> HypertableChunks(PgConnection& conn) {
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto r,
      conn.Query(
          "SELECT format('%I.%I', chunk_schema, chunk_name), (extract(epoch FROM range_start) * "
          "1000000)::int8, (extract(epoch FROM range_end) * 1000000)::int8, is_compressed FROM "
          "timescaledb_information.chunks WHERE format('%I.%I', hypertable_schema, "
          "hypertable_name)::regclass = 'parking_events'::regclass ORDER BY range_start, 1"),
      "listing the chunks of parking_events");
  std::vector<Chunk> chunks;
  for (int i = 0; i < r.rows(); ++i) {
    Chunk c;
    c.name = std::string(r.value(i, 0));
    c.compressed = r.value(i, 3) == "t";
    if (r.is_null(i, 1) || r.is_null(i, 2) || !ParseNumber(r.value(i, 1), &c.from) ||
        !ParseNumber(r.value(i, 2), &c.to)) {
      return Status::NotSupported(
          "chunk " + c.name +
          " of parking_events has no time range: its time dimension is not a timestamp");
    }
    chunks.push_back(std::move(c));
  }
  return chunks;
}

// One partition of a hypertable: the events in [from, to) (an open end: no bound), and the
// chunks that held events of that range when the partitions were cut.
struct TimeRange {
  std::optional<int64_t> from, to;
  std::vector<std::string> chunks;

  // "ts:<from or empty>:<to or empty>:<chunk>,<chunk>...".
  std::string Id() const {
    std::string id =
        "ts:" + (from ? std::to_string(*from) : "") + ":" + (to ? std::to_string(*to) : "") + ":";
    for (size_t i = 0; i < chunks.size(); ++i) id += (i ? "," : "") + chunks[i];
    return id;
  }

  static std::optional<TimeRange> Parse(std::string_view id) {
    if (!id.starts_with("ts:")) return std::nullopt;
    id.remove_prefix(3);
    TimeRange r;
    for (std::optional<int64_t>* bound : {&r.from, &r.to}) {
      const size_t colon = id.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      if (colon > 0) {
        int64_t v = 0;
        if (!ParseNumber(id.substr(0, colon), &v)) return std::nullopt;
        *bound = v;
      }
      id.remove_prefix(colon + 1);
    }
    if (r.from && r.to && *r.to <= *r.from) return std::nullopt;
    while (!id.empty()) {
      const size_t comma = id.find(',');
      r.chunks.emplace_back(id.substr(0, comma));
      if (comma == std::string_view::npos) break;
      id.remove_prefix(comma + 1);
    }
    return r;
  }

  // The WHERE clause of its events (and of those at or after `since`).
  std::string Where(std::optional<Timestamp> since) const {
    std::string where = "TRUE";
    if (from) where += " AND \"timestamp\" >= " + TimeLiteral(Timestamp::FromMicros(*from));
    if (to) where += " AND \"timestamp\" < " + TimeLiteral(Timestamp::FromMicros(*to));
    if (since) where += " AND \"timestamp\" >= " + TimeLiteral(*since);
    return where;
  }

  // For messages: "[2026-01-12T00:00:00Z, 2026-01-13T00:00:00Z)".
  std::string Describe() const {
    std::string out = "[";
    out += from ? Timestamp::FromMicros(*from).ToIso() : "-infinity";
    out += ", ";
    out += to ? Timestamp::FromMicros(*to).ToIso() : "infinity";
    return out + ")";
  }
};

// Time ranges that together cover all time, cut where a chunk begins: one per chunk (several
// where a space dimension gives one time range several chunks). The first is open below and the
// last open above, and each ends where the next begins, so that a chunk made after the cut (new
// data, late data, a range that had none) falls inside one of them and is read with it.
std::vector<TimeRange> CutAtChunks(const std::vector<Chunk>& chunks) {
  std::vector<int64_t> starts;
  for (const Chunk& c : chunks) starts.push_back(c.from);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  std::vector<TimeRange> ranges;
  for (size_t i = 0; i < starts.size(); ++i) {
    TimeRange r;
    if (i > 0) r.from = starts[i];
    if (i + 1 < starts.size()) r.to = starts[i + 1];
    for (const Chunk& c : chunks) {
      if ((!r.to || c.from < *r.to) && (!r.from || c.to > *r.from)) r.chunks.push_back(c.name);
    }
    ranges.push_back(std::move(r));
  }
  if (ranges.empty()) ranges.emplace_back();  // no chunk yet: one range, all time
  return ranges;
}

// `ranges` (adjacent, in time order) merged into at most about `wanted` of them, neighbours
// together, each naming the chunks of the ranges it took in: fewer checkpoints (each makes the
// target durable) and catalog look-ups when a hypertable has many chunks.
std::vector<TimeRange> MergeInto(std::vector<TimeRange> ranges, int wanted) {
  const size_t n = ranges.size(), groups = static_cast<size_t>(std::max(wanted, 1));
  if (n <= groups) return ranges;
  std::vector<TimeRange> merged;
  for (size_t g = 0; g < groups; ++g) {
    const size_t from = n * g / groups, to = n * (g + 1) / groups;
    if (from == to) continue;
    TimeRange r;
    r.from = ranges[from].from;
    r.to = ranges[to - 1].to;
    std::set<std::string> seen;
    for (size_t i = from; i < to; ++i) {
      for (std::string& c : ranges[i].chunks) {
        if (seen.insert(c).second) r.chunks.push_back(std::move(c));
      }
    }
    merged.push_back(std::move(r));
  }
  return merged;
}

}  // namespace

Result<std::optional<EventPartitions>> PostgresStore::PartitionEvents(
    std::optional<Timestamp> since, int wanted) {
  // A window of time is read better through the time index (migrate's time slices) than by
  // reading every page and keeping the rows inside it.
  if (since) return std::optional<EventPartitions>();
  EventPartitions partitions;
  if (layout_.events == EventTableKind::kHypertable) {
    VDPARK_ASSIGN_OR_RETURN(auto chunks, HypertableChunks(*conn_));
    for (const TimeRange& r : MergeInto(CutAtChunks(chunks), wanted)) {
      partitions.ids.push_back(r.Id());
    }
    partitions.read_together = std::min(ScanConnections(), partitions.ids.size());
    return std::optional<EventPartitions>(std::move(partitions));
  }
  VDPARK_ASSIGN_OR_RETURN(auto tables, EventTables(*conn_));
  // Pages can be read only from tables: events in a view, a foreign table or nowhere at all are
  // left to migrate's time slices.
  const bool all_tables = std::all_of(tables.begin(), tables.end(), [](const EventTable& t) {
    return t.kind == 'r' || t.kind == 'p';
  });
  for (const PageRange& r : CutIntoPageRanges(tables, wanted)) partitions.ids.push_back(r.Id());
  if (!all_tables || partitions.ids.empty()) return std::optional<EventPartitions>();
  partitions.read_together = std::min(ScanConnections(), partitions.ids.size());
  return std::optional<EventPartitions>(std::move(partitions));
}

Result<std::vector<PostgresStore::EventSource>> PostgresStore::HypertableSources(
    std::span<const std::string> ids, std::optional<Timestamp> since) {
  VDPARK_ASSIGN_OR_RETURN(auto chunks, HypertableChunks(*conn_));
  std::set<std::string, std::less<>> now;
  for (const Chunk& c : chunks) now.insert(c.name);
  std::vector<EventSource> sources;
  for (const std::string& id : ids) {
    auto range = TimeRange::Parse(id);
    if (!range) {
      return Status::InvalidArgument("'" + id + "' names no time range of " + DisplayName() +
                                     "'s hypertable parking_events");
    }
    // A chunk that held events of this range when the load began and is gone now took them
    // with it: reading the range would pass over them in silence.
    for (const std::string& chunk : range->chunks) {
      if (!now.contains(chunk)) {
        return Status::FailedPrecondition(
            "chunk " + chunk + " of parking_events, which held events of " + range->Describe() +
            " when this load began, has been dropped since (a retention policy, drop_chunks): "
            "those events can no longer be read; start again with --restart");
      }
    }
    // The range's events are in the chunks that overlap it now, those made since it was cut
    // included. Each is read through the chunk itself, which decompresses what is compressed; a
    // chunk inside the range is read whole (its rows are in its range), one reaching past it
    // (a chunk interval changed since) only for the range's part.
    for (const Chunk& c : chunks) {
      const bool overlaps =
          (!range->to || c.from < *range->to) && (!range->from || c.to > *range->from);
      if (!overlaps) continue;
      const bool inside =
          (!range->from || c.from >= *range->from) && (!range->to || c.to <= *range->to);
      std::string where = inside ? TimeRange{}.Where(since) : range->Where(since);
      sources.push_back({c.name + " WHERE " + where, c.Describe() + " " + range->Describe()});
    }
  }
  return sources;
}

Status PostgresStore::ScanEventPartitions(std::span<const std::string> ids,
                                          std::optional<Timestamp> since, const EventVisitor& visit,
                                          const RejectFn& rejects) {
  if (layout_.events == EventTableKind::kHypertable) {
    VDPARK_ASSIGN_OR_RETURN(auto sources, HypertableSources(ids, since));
    return CopyEventsSideBySide(sources, visit, rejects);
  }
  std::vector<PageRange> ranges;
  for (const std::string& id : ids) {
    auto range = PageRange::Parse(id);
    if (!range) {
      return Status::InvalidArgument("'" + id + "' names no page range of " + DisplayName() +
                                     "'s events");
    }
    ranges.push_back(*range);
  }
  VDPARK_ASSIGN_OR_RETURN(auto tables, EventTables(*conn_));
  std::map<uint32_t, const EventTable*> by_oid;
  for (const EventTable& t : tables) by_oid[t.oid] = &t;
  std::vector<EventSource> sources;
  for (const PageRange& r : ranges) {
    auto it = by_oid.find(r.oid);
    if (it == by_oid.end()) {
      return Status::FailedPrecondition(
          "a table of parking_events (oid " + std::to_string(r.oid) +
          ") that held events when this load began has been dropped since: those events can no "
          "longer be read; start again with --restart");
    }
    const EventTable& table = *it->second;
    if (table.relfilenode != r.relfilenode) {
      return Status::FailedPrecondition(
          table.name +
          " was rewritten since this load began (VACUUM FULL, CLUSTER): its page ranges no "
          "longer name the same rows; start again with --restart");
    }
    sources.push_back({r.Source(table.name, since), table.name + " pages " + r.Id()});
  }
  return CopyEventsSideBySide(sources, visit, rejects);
}

Result<std::vector<PostgresStore::EventSource>> PostgresStore::AllHypertableSources() {
  VDPARK_ASSIGN_OR_RETURN(auto chunks, HypertableChunks(*conn_));
  std::vector<EventSource> sources;
  for (const Chunk& c : chunks) {
    sources.push_back({c.name + " WHERE TRUE", c.Describe()});
  }
  return sources;
}

}  // namespace vdpark
