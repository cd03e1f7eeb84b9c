// PostgresStore's reading side: metadata through COPY ... TO STDOUT WITH CSV, events through
// COPY ... TO STDOUT WITH (FORMAT binary).
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "common/blocking_queue.h"
#include "store/csv/csv_format.h"
#include "store/postgres/postgres_binary.h"
#include "store/postgres/postgres_rows.h"
#include "store/postgres/postgres_store.h"

namespace vdpark {

namespace {

constexpr size_t kBatchBytes = size_t{1} << 20;  // COPY rows parsed at a time per connection
constexpr size_t kPiecesInFlight = 8;  // of kBatchBytes each, between receiving and decoding

// Calls on_row(fields, raw) for each record of `csv` (rows as COPY ... WITH CSV writes them).
template <typename OnRow>
Status ForEachCsvRow(std::string csv, const std::string& name, OnRow&& on_row) {
  auto reader = CsvReader::FromString(std::move(csv), name);
  std::vector<std::optional<std::string_view>> fields;
  for (;;) {
    VDPARK_ASSIGN_OR_RETURN(const CsvRecord* record, reader->Next());
    if (record == nullptr) return Status::OK();
    fields.clear();
    for (const CsvField& f : record->fields) {
      fields.push_back(f.is_null() ? std::nullopt : std::optional<std::string_view>(f.text));
    }
    on_row(PgFields(fields), record->raw);
  }
}

// The whole output of a COPY ... TO STDOUT: small tables only (zones, bays, sensors).
Result<std::string> CopyAll(PgConnection& conn, std::string_view select, std::string_view table) {
  std::string out;
  VDPARK_RETURN_IF_ERROR(conn.CopyOut("COPY (SELECT " + std::string(select) + " FROM " +
                                          std::string(table) + ") TO STDOUT WITH (FORMAT csv)",
                                      [&](std::string_view row) {
                                        out.append(row);
                                        return Status::OK();
                                      }));
  return out;
}

// Reads one table into `out` with `parse`; rejects go to `rejects` with `where`.
template <typename T, typename Parse, typename WhereFn>
Status ReadTable(PgConnection& conn, std::string_view select, std::string_view table,
                 std::vector<T>* out, Parse parse, WhereFn where, const RejectFn& rejects) {
  VDPARK_ASSIGN_OR_RETURN(auto csv, CopyAll(conn, select, table));
  return ForEachCsvRow(std::move(csv), std::string(table), [&](PgFields f, std::string_view raw) {
    Result<T> record = parse(f);
    if (record.ok()) {
      out->push_back(std::move(*record));
    } else if (rejects) {
      rejects(Rejected{where(f), record.status().message(), std::string(raw)});
    }
  });
}

}  // namespace

Result<Metadata> PostgresStore::ReadMetadata(const RejectFn& rejects) {
  Metadata m;
  VDPARK_RETURN_IF_ERROR(ReadTable(*conn_, ZoneSelect(layout_.zone_location), "parking_zones",
                                   &m.zones, ParseZone, ZoneWhere, rejects));
  VDPARK_RETURN_IF_ERROR(ReadTable(*conn_, BaySelect(layout_.bay_location), "parking_bays", &m.bays,
                                   ParseBay, BayWhere, rejects));
  VDPARK_RETURN_IF_ERROR(ReadTable(*conn_, kSensorSelect, "parking_sensors", &m.sensors,
                                   ParseSensor, SensorWhere, rejects));

  // Keys sorted as the other stores sort them (bytes, not the database's collation); a key seen
  // twice (a table without its primary key) and a reference to a zone that is not there are
  // rejected, as the csv store does, so that every store yields the same records.
  auto reject = [&](std::string where, std::string reason) {
    if (rejects) rejects(Rejected{std::move(where), std::move(reason), ""});
  };
  auto by = [](auto key) {
    return [key](const auto& a, const auto& b) { return key(a) < key(b); };
  };
  auto zone_key = [](const Zone& z) { return std::tie(z.zone_id); };
  auto bay_key = [](const Bay& b) { return std::tie(b.zone_id, b.bay_number); };
  auto sensor_key = [](const Sensor& x) { return std::tie(x.sensor_id); };
  std::stable_sort(m.zones.begin(), m.zones.end(), by(zone_key));
  std::stable_sort(m.bays.begin(), m.bays.end(), by(bay_key));
  std::stable_sort(m.sensors.begin(), m.sensors.end(), by(sensor_key));

  std::unordered_set<std::string> zone_ids;
  std::erase_if(m.zones, [&](const Zone& z) {
    if (zone_ids.insert(z.zone_id).second) return false;
    reject("parking_zones zone_id=" + z.zone_id, "duplicate zone_id");
    return true;
  });
  std::vector<Bay> bays;
  for (Bay& b : m.bays) {
    std::string where = "parking_bays zone_id=" + b.zone_id + " bay_number=" + b.bay_number;
    if (!bays.empty() && bay_key(bays.back()) == bay_key(b)) {
      reject(where, "duplicate zone_id and bay_number");
    } else if (!zone_ids.contains(b.zone_id)) {
      reject(where, "column 'zone_id': zone '" + b.zone_id + "' is not in parking_zones");
    } else {
      bays.push_back(std::move(b));
    }
  }
  m.bays = std::move(bays);
  std::unordered_set<std::string> sensor_ids;
  std::erase_if(m.sensors, [&](const Sensor& x) {
    std::string where = "parking_sensors sensor_id=" + x.sensor_id;
    if (!sensor_ids.insert(x.sensor_id).second) {
      reject(where, "duplicate sensor_id");
      return true;
    }
    if (x.zone_id && !zone_ids.contains(*x.zone_id)) {
      reject(where, "column 'zone_id': zone '" + *x.zone_id + "' is not in parking_zones");
      return true;
    }
    return false;
  });
  return m;
}

Result<std::vector<std::string>> PostgresStore::EventSlices(const EventScanOptions& options,
                                                            size_t workers) {
  std::vector<std::string> slices;
  if (!options.since && !options.until) {
    // The whole table: ranges of its pages (TID range scans, PostgreSQL 14+), so that together
    // the slices read it once, sequentially, as one COPY would. A hypertable's chunks are its
    // inheritance children; each slice takes the same page range of every chunk.
    VDPARK_ASSIGN_OR_RETURN(
        auto pages,
        conn_->Query("SELECT max(pg_relation_size(c.oid)) / current_setting('block_size')::bigint "
                     "FROM (SELECT 'parking_events'::regclass::oid AS oid UNION ALL SELECT "
                     "inhrelid FROM pg_inherits WHERE inhparent = 'parking_events'::regclass) c"));
    const int64_t total = std::atoll(std::string(pages.value(0, 0)).c_str());
    // A few slices per connection, so that one slow slice does not leave the others idle.
    const int64_t count =
        std::clamp<int64_t>(total / std::max<int64_t>(options_.pages_per_slice, 1), 1,
                            static_cast<int64_t>(workers) * 4);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t from = total * i / count, to = total * (i + 1) / count;
      std::string slice = "ctid >= '(" + std::to_string(from) + ",0)'::tid";
      // The last slice is open-ended: pages added while the scan runs are read too.
      if (i + 1 < count) slice += " AND ctid < '(" + std::to_string(to) + ",0)'::tid";
      slices.push_back(std::move(slice));
    }
    return slices;
  }

  // A window of time (a resumable load's slice, --since): read through the time index, one day
  // per slice.
  std::string window = options.since ? " AND \"timestamp\" >= " + TimeLiteral(*options.since) : "";
  if (options.until) window += " AND \"timestamp\" < " + TimeLiteral(*options.until);
  VDPARK_ASSIGN_OR_RETURN(
      auto range,
      conn_->Query(
          "SELECT min(\"timestamp\"), max(\"timestamp\"), EXISTS (SELECT 1 FROM pg_index i JOIN "
          "pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = "
          "'parking_events'::regclass AND a.attname = 'timestamp') FROM parking_events WHERE TRUE" +
          window));
  if (range.is_null(0, 0)) return slices;  // nothing in the window
  if (range.value(0, 2) != "t") {
    // No index leads on "timestamp": each slice would scan the whole table, so read it once.
    slices.push_back("TRUE" + window);
    return slices;
  }
  VDPARK_ASSIGN_OR_RETURN(auto lo, Timestamp::Parse(range.value(0, 0)));
  VDPARK_ASSIGN_OR_RETURN(auto hi, Timestamp::Parse(range.value(0, 1)));
  const int64_t span = std::max<int64_t>(options_.slice_micros, 1);
  for (int64_t start = Timestamp::FloorDiv(lo.micros(), span) * span; start <= hi.micros();
       start += span) {
    slices.push_back("\"timestamp\" >= " + TimeLiteral(Timestamp::FromMicros(start)) +
                     " AND \"timestamp\" < " + TimeLiteral(Timestamp::FromMicros(start + span)) +
                     window);
  }
  return slices;
}

size_t PostgresStore::ScanConnections() const {
  // More connections than cores only add switching when the server shares the machine; fewer
  // leave a remote server's cores idle.
  const size_t wanted = options_.scan_connections > 0
                            ? static_cast<size_t>(options_.scan_connections)
                            : std::clamp<size_t>(std::thread::hardware_concurrency(), 2, 8);
  // The URL's connections= is a ceiling the server sets (one client at a time, a pool's slots).
  return url_.connections > 0 ? std::min<size_t>(wanted, url_.connections) : wanted;
}

Status PostgresStore::ScanEvents(const EventScanOptions& options, const EventVisitor& visit,
                                 const RejectFn& rejects) {
  // A hypertable is read by its chunks' time ranges: a TID range condition through it fails as
  // soon as one chunk is compressed ("transparent decompression only supports tableoid").
  if (layout_.events == EventTableKind::kHypertable && !options.since && !options.until) {
    VDPARK_ASSIGN_OR_RETURN(auto sources, AllHypertableSources());
    return CopyEventsSideBySide(sources, visit, rejects);
  }
  VDPARK_ASSIGN_OR_RETURN(auto slices, EventSlices(options, ScanConnections()));
  std::vector<EventSource> sources;
  for (const std::string& where : slices) {
    sources.push_back({"parking_events WHERE " + where, "parking_events WHERE " + where});
  }
  return CopyEventsSideBySide(sources, visit, rejects);
}

Status PostgresStore::CopyEventsSideBySide(std::span<const EventSource> sources,
                                           const EventVisitor& visit, const RejectFn& rejects) {
  std::mutex mu;  // `visit` and `rejects` see one call at a time
  std::atomic<bool> stop{false};
  std::atomic<size_t> next_source{0};
  Status first_error;
  auto fail = [&](const Status& s) {
    std::lock_guard lock(mu);
    if (first_error.ok()) first_error = s;
    stop = true;
  };

  // Each worker decodes its rows on its own thread, then hands the events over under the lock.
  struct Parsed {
    std::vector<ParkingEvent> events;
    std::vector<Rejected> rejected;
  };
  auto deliver = [&](Parsed& parsed) -> Status {
    std::lock_guard lock(mu);
    if (stop) return Status::Aborted("scan stopped");
    for (Rejected& r : parsed.rejected) {
      if (rejects) rejects(std::move(r));
    }
    for (ParkingEvent& e : parsed.events) {
      Status s = visit(std::move(e), Origin{"parking_events", 0, {}});
      if (!s.ok()) {
        if (first_error.ok()) first_error = s;
        stop = true;
        return s;
      }
    }
    parsed.events.clear();
    parsed.rejected.clear();
    return Status::OK();
  };

  // What a connection's receiving loop hands its decoding thread: COPY bytes, or the end of a
  // source with the number of rows the server says it sent.
  struct Piece {
    std::string bytes;
    bool end = false;
    uint64_t sent = 0;
    size_t source = 0;
  };

  // Decodes one connection's pieces, source after source, and delivers the events.
  auto decode_pieces = [&](BlockingQueue<Piece>& pieces) {
    Parsed parsed;
    uint64_t decoded = 0;  // tuples of the current source: events and rejects
    const PgBinaryEventDecoder::OnEvent on_event = [&](ParkingEvent&& e) {
      ++decoded;
      parsed.events.push_back(std::move(e));
    };
    const PgBinaryEventDecoder::OnReject on_reject = [&](Rejected&& r) {
      ++decoded;
      parsed.rejected.push_back(std::move(r));
    };
    std::optional<PgBinaryEventDecoder> decoder;
    std::string pending;  // bytes of a tuple cut off at the end of the previous piece
    Status s;
    while (auto piece = pieces.Pop()) {
      if (!s.ok() || stop) continue;  // drain, so that the receiving loop never blocks
      if (!decoder) decoder.emplace();
      if (!piece->bytes.empty()) {
        pending.append(piece->bytes);
        auto used = decoder->Decode(pending, on_event, on_reject);
        s = used.ok() ? Status::OK() : used.status();
        if (s.ok()) {
          pending.erase(0, *used);
          s = deliver(parsed);
        }
      }
      if (s.ok() && piece->end) {
        const EventSource& source = sources[piece->source];
        if (!decoder->finished() || !pending.empty()) {
          s = Status::Corruption(source.name + ": the COPY ended inside a tuple");
        } else if (decoded != piece->sent) {
          // Every row the server says it sent was decoded into an event or a reject.
          s = Status::Corruption(source.name + ": the server sent " + std::to_string(piece->sent) +
                                 " rows, " + std::to_string(decoded) + " were decoded");
        }
        decoder.reset();
        pending.clear();
        decoded = 0;
      }
      if (!s.ok() && !stop) fail(s);
    }
  };

  // Receives one connection's COPYs, source after source, while a thread of its own decodes
  // them: the server computes the next source's rows while the last one's are decoded and
  // visited (a server that makes a COPY's rows whole before it sends them, as PGlite does, would
  // otherwise wait for the client after every source).
  auto worker = [&](PgConnection* conn) {
    BlockingQueue<Piece> pieces(kPiecesInFlight);
    std::thread decoding(decode_pieces, std::ref(pieces));
    for (size_t i = next_source++; i < sources.size() && !stop; i = next_source++) {
      const EventSource& source = sources[i];
      // Binary, so that the server formats no text and we scan none; no ORDER BY: a sort costs
      // the server more than the copy, and nothing downstream needs an order (kNone).
      std::string sql = "COPY (SELECT " + std::string(kEventBinarySelect) + " FROM " +
                        source.from_where + ") TO STDOUT WITH (FORMAT binary)";
      Piece piece;
      piece.source = i;
      piece.bytes.reserve(kBatchBytes + 4096);
      Status s = conn->CopyOut(
          sql,
          [&](std::string_view row) -> Status {
            if (stop) return Status::Aborted("scan stopped");
            piece.bytes.append(row);
            if (piece.bytes.size() < kBatchBytes) return Status::OK();
            Piece next;
            next.source = i;
            next.bytes.reserve(kBatchBytes + 4096);
            std::swap(piece, next);
            return pieces.Push(std::move(next)) ? Status::OK() : Status::Aborted("scan stopped");
          },
          &piece.sent);
      if (!s.ok()) {
        if (!stop) fail(s.WithContext(source.name));
        break;
      }
      piece.end = true;
      if (!pieces.Push(std::move(piece))) break;
    }
    pieces.Close();
    decoding.join();
  };

  const size_t workers =
      std::clamp<size_t>(ScanConnections(), 1, std::max<size_t>(sources.size(), 1));
  // The extra connections are opened first, so a refused one fails the scan before any visit.
  std::vector<std::unique_ptr<PgConnection>> extra;
  for (size_t i = 1; i < workers; ++i) {
    VDPARK_ASSIGN_OR_RETURN(auto c, PgConnection::Connect(url_));
    extra.push_back(std::move(c));
  }
  std::vector<std::thread> threads;
  for (auto& c : extra) threads.emplace_back(worker, c.get());
  worker(conn_.get());
  for (auto& t : threads) t.join();
  return first_error;
}

Result<std::optional<ParkingEvent>> PostgresStore::GetEvent(const ParkingEvent& key) {
  VDPARK_ASSIGN_OR_RETURN(auto r,
                          conn_->Query("SELECT " + std::string(kEventSelect) +
                                           " FROM parking_events WHERE zone_id = $1 AND "
                                           "bay_number = $2 AND \"timestamp\" = $3::timestamptz "
                                           "LIMIT 1",
                                       {key.zone_id, key.bay_number, key.timestamp.ToIso()}));
  if (r.rows() == 0) return std::optional<ParkingEvent>();
  std::vector<std::optional<std::string_view>> fields;
  for (int c = 0; c < r.columns(); ++c) {
    fields.push_back(r.is_null(0, c) ? std::nullopt
                                     : std::optional<std::string_view>(r.value(0, c)));
  }
  VDPARK_ASSIGN_OR_RETURN_WITH(auto e, ParseEvent(fields), EventWhere(fields));
  return std::optional<ParkingEvent>(std::move(e));
}

Result<std::optional<ZoneDayCounts>> PostgresStore::CountEventsPerZoneDay(
    const EventScanOptions& options) {
  std::string where =
      "zone_id IS NOT NULL AND bay_number IS NOT NULL AND \"timestamp\" IS NOT NULL";
  if (options.since) where += " AND \"timestamp\" >= " + TimeLiteral(*options.since);
  if (options.until) where += " AND \"timestamp\" < " + TimeLiteral(*options.until);
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto r,
      conn_->Query(
          "SELECT zone_id, to_char(\"timestamp\"::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD'), "
          "count(DISTINCT (zone_id, bay_number, \"timestamp\")) FROM parking_events WHERE " +
          where + " GROUP BY 1, 2"),
      "counting events per zone per day");
  ZoneDayCounts counts;
  for (int i = 0; i < r.rows(); ++i) {
    counts[{std::string(r.value(i, 0)), std::string(r.value(i, 1))}] =
        std::strtoull(std::string(r.value(i, 2)).c_str(), nullptr, 10);
  }
  return std::optional<ZoneDayCounts>(std::move(counts));
}

Result<std::optional<std::pair<Timestamp, Timestamp>>> PostgresStore::EventTimeRange(
    std::optional<Timestamp> since) {
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto r,
      conn_->Query("SELECT min(\"timestamp\"), max(\"timestamp\") FROM parking_events" +
                   (since ? " WHERE \"timestamp\" >= " + TimeLiteral(*since) : "")),
      "finding the events' time range");
  if (r.is_null(0, 0)) return std::optional<std::pair<Timestamp, Timestamp>>();
  VDPARK_ASSIGN_OR_RETURN(auto lo, Timestamp::Parse(r.value(0, 0)));
  VDPARK_ASSIGN_OR_RETURN(auto hi, Timestamp::Parse(r.value(0, 1)));
  return std::optional(std::pair(lo, hi));
}

Result<std::optional<uint64_t>> PostgresStore::CountEvents(std::optional<Timestamp> since) {
  VDPARK_ASSIGN_OR_RETURN_WITH(
      auto r,
      conn_->Query("SELECT count(*) FROM parking_events" +
                   (since ? " WHERE \"timestamp\" >= " + TimeLiteral(*since) : "")),
      "counting the events");
  return std::optional<uint64_t>(std::strtoull(std::string(r.value(0, 0)).c_str(), nullptr, 10));
}

std::optional<uint64_t> PostgresStore::EstimateEventCount() {
  // reltuples is -1 before the first ANALYZE, and 0 for a hypertable's parent (its rows live in
  // chunks, which TimescaleDB's approximate_row_count adds up): count those, and small tables,
  // exactly.
  auto r = conn_->Query(layout_.events == EventTableKind::kHypertable
                            ? "SELECT approximate_row_count('parking_events')"
                            : "SELECT reltuples::bigint FROM pg_class WHERE oid = "
                              "'parking_events'::regclass");
  if (r.ok() && r->rows() == 1) {
    long long n = std::atoll(std::string(r->value(0, 0)).c_str());
    if (n > 0 && static_cast<uint64_t>(n) >= options_.exact_count_below) {
      return static_cast<uint64_t>(n);
    }
  }
  auto count = conn_->Query("SELECT count(*) FROM parking_events");
  if (!count.ok()) return std::nullopt;
  return static_cast<uint64_t>(std::atoll(std::string(count->value(0, 0)).c_str()));
}

}  // namespace vdpark
