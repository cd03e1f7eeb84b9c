#include "verify/verify.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "domain/duplicate_detector.h"
#include "migrate/migrate.h"
#include "store/csv/csv_store.h"
#include "store/open_store.h"
#include "table/single_table_mapper.h"
#include "verify/event_cursor.h"
#include "verify/record_diff.h"

namespace vdpark {

namespace {

// Events per zone per UTC day on each side. Events arrive grouped by bay, so the zone's map is
// looked up only when the zone changes.
class ZoneDayCounter {
 public:
  void Add(const ParkingEvent& e, bool source) {
    if (last_ == nullptr || last_zone_ != e.zone_id) {
      last_zone_ = e.zone_id;
      last_ = &zones_[e.zone_id];
    }
    auto& c = (*last_)[Timestamp::FloorDiv(e.timestamp.micros(), kMicrosPerDay)];
    ++(source ? c.first : c.second);
  }
  // One side's counts, keyed as RecordStore::CountEventsPerZoneDay keys them.
  ZoneDayCounts Side(bool source) const {
    ZoneDayCounts out;
    for (const auto& [zone, days] : zones_) {
      for (const auto& [day, c] : days) {
        uint64_t n = source ? c.first : c.second;
        if (n > 0) out[{zone, Timestamp::FromMicros(day * kMicrosPerDay).DayIso()}] = n;
      }
    }
    return out;
  }
  void Report(VerifyReport* report) const {
    for (const auto& [zone, days] : zones_) {
      for (const auto& [day, c] : days) {
        ++report->zone_days;
        if (c.first != c.second) {
          report->zone_day_mismatches.push_back(
              {zone, Timestamp::FromMicros(day * kMicrosPerDay).DayIso(), c.first, c.second});
        }
      }
    }
  }

 private:
  using Days = std::map<int64_t, std::pair<uint64_t, uint64_t>>;
  std::map<std::string, Days> zones_;
  std::string last_zone_;
  Days* last_ = nullptr;
};

// 2000 -> "2,000".
std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

class Verifier {
 public:
  Verifier(RecordStore& source, RecordStore& target, const VerifyOptions& options)
      : source_(source), target_(target), options_(options) {
    report_.source_name = source.DisplayName();
    report_.target_name = target.DisplayName();
  }

  Result<VerifyReport> Run() {
    auto start = std::chrono::steady_clock::now();
    VDPARK_RETURN_IF_ERROR(CompareMetadata());
    VDPARK_RETURN_IF_ERROR(options_.sample > 0 ? SampleEvents() : CompareAllEvents());
    if (options_.sample == 0 && rejected_ == 0) {
      VDPARK_RETURN_IF_ERROR(CrossCheckSqlCounts(source_, true));
      VDPARK_RETURN_IF_ERROR(CrossCheckSqlCounts(target_, false));
    }
    counts_.Report(&report_);
    for (const auto& m : report_.zone_day_mismatches) {
      Note("zone-day", "count", m.zone_id + " " + m.day,
           "source " + std::to_string(m.source) + " events, target " + std::to_string(m.target));
    }
    report_.rejected = rejected_;
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!scratch_.empty()) std::filesystem::remove_all(scratch_);
    return std::move(report_);
  }

 private:
  void Note(std::string entity, std::string kind, std::string key, std::string detail,
            uint64_t count = 1) {
    report_.total_differences += count;
    if (report_.differences.size() < options_.max_listed) {
      report_.differences.push_back(
          {std::move(entity), std::move(kind), std::move(key), std::move(detail), count});
    }
  }

  // A csv target's duplicate keys beyond the source's (loaded twice): one line for all, naming
  // the first (verify.h).
  Status NoteExcessDuplicates() {
    const uint64_t t = report_.target_duplicates, s = report_.source_duplicates;
    if (t <= s || dynamic_cast<const CsvStore*>(&target_) == nullptr) return Status::OK();
    report_.excess_duplicates = t - s;
    // Found again only now that there is something to name: a table of every key's hash while
    // staging would cost every verify 8 to 16 bytes an event.
    std::string file, at, key;
    DuplicateDetector dups(EventOrder::kNone);
    auto keep = Keep(false);
    Status scan = target_.ScanEvents(
        {options_.since},
        [&](ParkingEvent&& e, const Origin& origin) {
          if (!keep(e)) return Status::OK();
          if (file.empty()) file = origin.source;
          if (!dups.Seen(e)) return Status::OK();
          at = origin.ToString();
          key = EventKeyText(e);
          return Status::Aborted("found");  // stops the scan
        },
        nullptr);
    if (key.empty() && !scan.ok()) {
      return scan.WithContext("reading " + target_.DisplayName());
    }
    std::string detail = (file.empty() ? report_.target_name : file) + ": " + Grouped(t) +
                         " duplicate event keys in the target (rows repeating an earlier row's " +
                         "zone, bay and timestamp";
    if (!at.empty()) detail += "; the first at " + at;
    detail += "), " + Grouped(s) + " in the source";
    if (!report_.duplicates_exact) detail += " (counted in part: at least)";
    Note("event", "duplicate", key, std::move(detail), t - s);
    return Status::OK();
  }

  RejectFn Rejects() {
    return [this](Rejected r) {
      ++rejected_;
      std::lock_guard lock(reject_mu_);
      if (options_.on_reject) options_.on_reject(std::move(r));
    };
  }

  // Merge-joins two key-sorted vectors of records.
  template <typename T, typename KeyFn, typename DiffFn>
  void CompareSorted(const char* entity, const std::vector<T>& a, const std::vector<T>& b,
                     EntityCounts* counts, KeyFn key, DiffFn diff) {
    counts->source = a.size();
    counts->target = b.size();
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
      int c = i == a.size() ? 1 : j == b.size() ? -1 : key(a[i]).compare(key(b[j]));
      if (c < 0) {
        ++counts->missing;
        Note(entity, "missing", key(a[i++]), "");
      } else if (c > 0) {
        ++counts->extra;
        Note(entity, "extra", key(b[j++]), "");
      } else {
        ++counts->compared;
        std::string d = diff(a[i], b[j]);
        if (!d.empty()) {
          ++counts->different;
          Note(entity, "different", key(a[i]), d);
        }
        ++i, ++j;
      }
    }
  }

  // A zone's occupiedBays, where a store keeps one, must equal its occupied bays.
  void CheckOccupancy(const Metadata& md, const char* side) {
    std::map<std::string, int64_t> occupied;
    for (const Bay& b : md.bays) {
      if (b.status == BayStatus::kOccupied) ++occupied[b.zone_id];
    }
    for (const Zone& z : md.zones) {
      if (!z.occupied_bays || *z.occupied_bays == occupied[z.zone_id]) continue;
      Note("zone", "different", z.zone_id,
           std::string(side) + " occupiedBays " + std::to_string(*z.occupied_bays) + " but " +
               std::to_string(occupied[z.zone_id]) + " of its bays are occupied");
    }
  }

  Status CompareMetadata() {
    VDPARK_ASSIGN_OR_RETURN_WITH(auto a, source_.ReadMetadata(Rejects()),
                                 "reading " + source_.DisplayName());
    VDPARK_ASSIGN_OR_RETURN_WITH(auto b, target_.ReadMetadata(Rejects()),
                                 "reading " + target_.DisplayName());
    RejectDanglingMetadata(&a, source_.DisplayName(), Rejects());
    for (const Bay& bay : a.bays) source_bays_.insert(bay.zone_id + '\0' + bay.bay_number);
    CompareSorted(
        "zone", a.zones, b.zones, &report_.zones, [](const Zone& z) { return z.zone_id; },
        DiffZones);
    CompareSorted(
        "bay", a.bays, b.bays, &report_.bays,
        [](const Bay& x) { return x.zone_id + "/" + x.bay_number; }, DiffBays);
    CompareSorted(
        "sensor", a.sensors, b.sensors, &report_.sensors,
        [](const Sensor& s) { return s.sensor_id; }, DiffSensors);
    CheckOccupancy(a, "source");
    CheckOccupancy(b, "target");
    return Status::OK();
  }

  // Whether an event takes part: inside the time window and, on the source side, of a known bay
  // (a load rejects the others; they are counted as rejected here too).
  std::function<bool(const ParkingEvent&)> Keep(bool source) {
    return [this, source, key = std::string()](const ParkingEvent& e) mutable {
      if (options_.since && e.timestamp < *options_.since) return false;
      int64_t retention = options_.retention_days * 86400;
      if (retention > 0 && e.timestamp.seconds() + retention <= options_.now.seconds()) {
        return false;
      }
      if (!source) return true;
      key.assign(e.zone_id);
      key += '\0';
      key += e.bay_number;
      if (source_bays_.count(key)) return true;
      Rejects()({EventKeyText(e), "its bay is not among the source's bays", ""});
      return false;
    };
  }

  std::string ScratchDir() {
    if (scratch_.empty()) {
      scratch_ = options_.scratch_dir.empty() ? (std::filesystem::temp_directory_path() /
                                                 ("vdpark-verify-" + std::to_string(getpid())))
                                                    .string()
                                              : options_.scratch_dir;
      std::filesystem::remove_all(scratch_);
      std::filesystem::create_directories(scratch_);
    }
    return scratch_;
  }

  // `store` itself when it streams in key order; otherwise a scratch embedded copy of its events
  // (kept ones only), which does and which keeps one per key. Counts the rows it staged in
  // `*rows` (duplicate keys included), when given.
  Result<RecordStore*> KeyOrdered(RecordStore& store, bool source,
                                  std::unique_ptr<RecordStore>* staged,
                                  std::optional<uint64_t>* rows = nullptr) {
    if (store.EventsInKeyOrder()) return &store;
    StoreOptions so;
    so.retention_days = 0;  // the window was applied already; keep every staged event visible
    so.bulk_load = true;
    VDPARK_ASSIGN_OR_RETURN(
        *staged, OpenStore("embedded:" + ScratchDir() + (source ? "/source" : "/target"), so));
    std::vector<ParkingEvent> batch;
    auto keep = Keep(source);
    uint64_t staged_rows = 0;
    Status s = store.ScanEvents(
        {options_.since},
        [&](ParkingEvent&& e, const Origin&) {
          if (!keep(e)) return Status::OK();
          ++staged_rows;
          batch.push_back(std::move(e));
          if (batch.size() == 4096) {
            VDPARK_RETURN_IF_ERROR((*staged)->WriteEvents(batch));
            batch.clear();
          }
          return Status::OK();
        },
        Rejects());
    if (s.ok() && !batch.empty()) s = (*staged)->WriteEvents(batch);
    if (s.ok()) s = (*staged)->Flush();  // reads of a bulk-loaded store are fast only after it
    if (!s.ok()) return s.WithContext("staging " + store.DisplayName());
    if (rows) *rows = staged_rows;
    return staged->get();
  }

  Status CompareAllEvents() {
    std::unique_ptr<RecordStore> staged_a, staged_b;
    std::optional<uint64_t> rows_a, rows_b;  // set when staged
    VDPARK_ASSIGN_OR_RETURN(auto a, KeyOrdered(source_, true, &staged_a, &rows_a));
    VDPARK_ASSIGN_OR_RETURN(auto b, KeyOrdered(target_, false, &staged_b, &rows_b));
    // A staged store holds only kept events already; filtering again is harmless and cheap.
    EventCursor ca(*a, {options_.since}, Rejects(), Keep(true));
    EventCursor cb(*b, {options_.since}, Rejects(), Keep(false));
    EntityCounts& n = report_.events;
    while (true) {
      ParkingEvent* x = ca.Peek();
      ParkingEvent* y = cb.Peek();
      if (!x && !y) break;
      int c = !x ? 1 : !y ? -1 : CompareEventKeys(*x, *y);
      if (c < 0) {
        ++n.source, ++n.missing;
        counts_.Add(*x, true);
        Note("event", "missing", EventKeyText(*x), "");
        ca.Advance();
      } else if (c > 0) {
        ++n.target, ++n.extra;
        counts_.Add(*y, false);
        Note("event", "extra", EventKeyText(*y), "");
        cb.Advance();
      } else {
        ++n.source, ++n.target, ++n.compared;
        counts_.Add(*x, true);
        counts_.Add(*y, false);
        std::string d = DiffEvents(*x, *y);
        if (!d.empty()) {
          ++n.different;
          Note("event", "different", EventKeyText(*x), d);
        }
        ca.Advance();
        cb.Advance();
      }
    }
    VDPARK_RETURN_IF_ERROR(ca.status().WithContext("reading " + source_.DisplayName()));
    VDPARK_RETURN_IF_ERROR(cb.status().WithContext("reading " + target_.DisplayName()));
    // A staged side took `rows` rows and keeps one per key: the rest repeated a key. (A side read
    // in key order holds one row per key.)
    if (rows_a && *rows_a > n.source) report_.source_duplicates = *rows_a - n.source;
    if (rows_b && *rows_b > n.target) report_.target_duplicates = *rows_b - n.target;
    return NoteExcessDuplicates();
  }

  // The window of Keep() as scan options: since, and the first instant the retention keeps.
  EventScanOptions Window() const {
    EventScanOptions w{options_.since, std::nullopt};
    if (int64_t retention = options_.retention_days * 86400; retention > 0) {
      Timestamp first = Timestamp::FromSeconds(options_.now.seconds() - retention + 1);
      if (!w.since || *w.since < first) w.since = first;
    }
    return w;
  }

  // Compares the side's own per-zone-day counts (SQL), where it has them, with the streamed ones.
  Status CrossCheckSqlCounts(RecordStore& store, bool source) {
    VDPARK_ASSIGN_OR_RETURN_WITH(auto sql, store.CountEventsPerZoneDay(Window()),
                                 "counting " + store.DisplayName());
    if (!sql) return Status::OK();
    ZoneDayCounts streamed = counts_.Side(source);
    const ZoneDayCounts& counted = *sql;
    auto check = [&](const std::pair<std::string, std::string>& key, uint64_t by_sql,
                     uint64_t by_stream) {
      ++report_.sql_zone_days;
      if (by_sql == by_stream) return;
      Note("zone-day", "sql-count", key.first + " " + key.second,
           std::string(source ? "source" : "target") + " SQL counts " + std::to_string(by_sql) +
               " events, its stream " + std::to_string(by_stream));
    };
    for (const auto& [key, n] : counted) {
      auto it = streamed.find(key);
      check(key, n, it == streamed.end() ? 0 : it->second);
    }
    for (const auto& [key, n] : streamed) {
      if (!counted.contains(key)) check(key, 0, n);
    }
    return Status::OK();
  }

  // Counts every event on both sides, then compares a random sample of source events.
  Status SampleEvents() {
    report_.sampled = true;
    std::vector<ParkingEvent> sample;
    std::mt19937_64 rng(options_.seed);
    uint64_t seen = 0;
    DuplicateDetector dups(source_.EventStreamOrder());
    auto keep_a = Keep(true);
    Status s = source_.ScanEvents(
        {options_.since},
        [&](ParkingEvent&& e, const Origin&) {
          if (!keep_a(e) || dups.Seen(e)) return Status::OK();
          ++report_.events.source;
          counts_.Add(e, true);
          // Reservoir sampling: every event has the same chance to be in the sample.
          if (sample.size() < options_.sample) {
            sample.push_back(std::move(e));
          } else if (uint64_t r = rng() % (seen + 1); r < options_.sample) {
            sample[r] = std::move(e);
          }
          ++seen;
          return Status::OK();
        },
        Rejects());
    VDPARK_RETURN_IF_ERROR(s.WithContext("reading " + source_.DisplayName()));
    report_.source_duplicates = dups.duplicates();
    // A csv target's keys are counted once each too, as the source's are; its duplicates beyond
    // the source's are differences. (Other targets are counted row by row, as before: a table
    // with keys holds none, and remembering its keys would cost 8 to 16 bytes an event.)
    const bool csv_target = dynamic_cast<const CsvStore*>(&target_) != nullptr;
    DuplicateDetector target_dups(target_.EventStreamOrder());
    auto keep_b = Keep(false);
    s = target_.ScanEvents(
        {options_.since},
        [&](ParkingEvent&& e, const Origin&) {
          if (!keep_b(e) || (csv_target && target_dups.Seen(e))) return Status::OK();
          ++report_.events.target;
          counts_.Add(e, false);
          return Status::OK();
        },
        Rejects());
    VDPARK_RETURN_IF_ERROR(s.WithContext("reading " + target_.DisplayName()));
    report_.target_duplicates = target_dups.duplicates();
    report_.duplicates_exact = dups.exact() && target_dups.exact();
    VDPARK_RETURN_IF_ERROR(NoteExcessDuplicates());

    RecordStore* lookup = &target_;
    std::unique_ptr<RecordStore> staged;
    for (const ParkingEvent& e : sample) {
      auto found = lookup->GetEvent(e);
      if (!found.ok() && found.status().IsNotSupported() && !staged) {
        VDPARK_RETURN_IF_ERROR(KeyOrdered(target_, false, &staged).status());
        lookup = staged.get();
        found = lookup->GetEvent(e);
      }
      if (!found.ok()) return found.status();
      ++report_.events.compared;
      if (!*found) {
        ++report_.events.missing;
        Note("event", "missing", EventKeyText(e), "");
      } else if (std::string d = DiffEvents(e, **found); !d.empty()) {
        ++report_.events.different;
        Note("event", "different", EventKeyText(e), d);
      }
    }
    return Status::OK();
  }

  RecordStore& source_;
  RecordStore& target_;
  const VerifyOptions& options_;
  VerifyReport report_;
  ZoneDayCounter counts_;
  std::unordered_set<std::string> source_bays_;
  std::atomic<uint64_t> rejected_{0};
  std::mutex reject_mu_;
  std::string scratch_;
};

}  // namespace

Result<VerifyReport> Verify(RecordStore& source, RecordStore& target,
                            const VerifyOptions& options) {
  return Verifier(source, target, options).Run();
}

}  // namespace vdpark
