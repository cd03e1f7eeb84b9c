#include "generate/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "domain/billing.h"

namespace vdpark {
namespace {

// A Store that keeps what the generator writes, and how it was written.
class CollectingStore : public RecordStore {
 public:
  std::string DisplayName() const override { return "collect:"; }
  Result<Metadata> ReadMetadata(const RejectFn&) override { return metadata; }
  Status ScanEvents(const EventScanOptions&, const EventVisitor& visit, const RejectFn&) override {
    for (ParkingEvent e : events) VDPARK_RETURN_IF_ERROR(visit(std::move(e), Origin{"collect", 0}));
    return Status::OK();
  }
  bool EventsInKeyOrder() const override { return false; }
  Status WriteMetadata(const Metadata& m) override {
    ++metadata_writes;
    if (!events.empty()) metadata_after_events = true;
    metadata = m;
    return Status::OK();
  }
  Status WriteEvents(std::span<const ParkingEvent> batch) override {
    largest_batch = std::max(largest_batch, batch.size());
    ++batches;
    events.insert(events.end(), batch.begin(), batch.end());
    return Status::OK();
  }
  Status Flush() override {
    ++flushes;
    return Status::OK();
  }

  Metadata metadata;
  std::vector<ParkingEvent> events;
  int metadata_writes = 0;
  bool metadata_after_events = false;
  size_t largest_batch = 0;
  int batches = 0;
  int flushes = 0;
};

GenerateOptions Small() {
  GenerateOptions o;
  o.seed = 7;
  o.zones = 12;
  o.bays_per_zone_min = 8;
  o.bays_per_zone_max = 16;
  o.days = 9;
  return o;
}

GenerateStats GenerateInto(const GenerateOptions& o, CollectingStore& store) {
  auto stats = Generate(o, store);
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  return stats.ok() ? *stats : GenerateStats{};
}

// Whether `s` fits `shape`, where in the shape '9' is any digit, 'A' any capital letter, 'x' any
// lowercase hex digit, and any other character stands for itself.
bool Fits(std::string_view s, std::string_view shape) {
  if (s.size() != shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (shape[i]) {
      case '9':
        if (c < '0' || c > '9') return false;
        break;
      case 'A':
        if (c < 'A' || c > 'Z') return false;
        break;
      case 'x':
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        break;
      default:
        if (c != shape[i]) return false;
    }
  }
  return true;
}

bool IsUuidV4(std::string_view s) {
  return Fits(s, "xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx") &&
         std::string_view("89ab").find(s[19]) != std::string_view::npos;
}

using BayKey = std::pair<std::string, std::string>;

std::map<BayKey, std::vector<const ParkingEvent*>> ByBay(const std::vector<ParkingEvent>& events) {
  std::map<BayKey, std::vector<const ParkingEvent*>> out;
  for (const ParkingEvent& e : events) out[{e.zone_id, e.bay_number}].push_back(&e);
  return out;
}

// Local hour and weekday (0 = Sunday) at +04:00.
std::pair<int, int> LocalHourAndWeekday(Timestamp t) {
  const int64_t local = t.micros() + 4 * kMicrosPerHour;
  const int64_t day = Timestamp::FloorDiv(local, kMicrosPerDay);
  return {static_cast<int>((local - day * kMicrosPerDay) / kMicrosPerHour),
          static_cast<int>((day + 4) % 7)};
}

TEST(GeneratorTest, SameOptionsGiveTheSameOutputAndAnotherSeedDoesNot) {
  CollectingStore a, b, c;
  GenerateInto(Small(), a);
  GenerateInto(Small(), b);
  GenerateOptions other = Small();
  other.seed = 8;
  GenerateInto(other, c);
  ASSERT_FALSE(a.events.empty());
  EXPECT_EQ(a.metadata.zones, b.metadata.zones);
  EXPECT_EQ(a.metadata.bays, b.metadata.bays);
  EXPECT_EQ(a.metadata.sensors, b.metadata.sensors);
  EXPECT_EQ(a.events, b.events);
  EXPECT_NE(a.metadata.zones, c.metadata.zones);
  EXPECT_NE(a.events, c.events);
}

TEST(GeneratorTest, WritesMetadataOnceThenBatchesInTimeOrderThenFlushes) {
  CollectingStore s;
  GenerateStats stats = GenerateInto(Small(), s);
  EXPECT_EQ(s.metadata_writes, 1);
  EXPECT_FALSE(s.metadata_after_events);
  EXPECT_EQ(s.flushes, 1);
  EXPECT_LE(s.largest_batch, 4096u);
  EXPECT_GT(s.batches, 1);
  EXPECT_EQ(stats.events, s.events.size());
  const Timestamp end = Small().end;
  const Timestamp start = end + (-Small().days * kMicrosPerDay);
  for (size_t i = 0; i < s.events.size(); ++i) {
    ASSERT_GE(s.events[i].timestamp, start);
    ASSERT_LT(s.events[i].timestamp, end);
    if (i > 0) {
      ASSERT_LE(s.events[i - 1].timestamp, s.events[i].timestamp) << "at " << i;
    }
  }
  // Microsecond precision, not whole seconds or milliseconds.
  EXPECT_GT(std::count_if(s.events.begin(), s.events.end(),
                          [](const ParkingEvent& e) { return e.timestamp.micros() % 1000 != 0; }),
            static_cast<long>(s.events.size() / 2));
}

TEST(GeneratorTest, EachBayAlternatesAndEveryLeaveIsBilledAsBillingSays) {
  CollectingStore s;
  GenerateInto(Small(), s);
  std::map<std::string, const Zone*> zones;
  for (const Zone& z : s.metadata.zones) zones[z.zone_id] = &z;
  std::map<BayKey, const Bay*> bays;
  for (const Bay& b : s.metadata.bays) bays[{b.zone_id, b.bay_number}] = &b;
  const UtcOffset dubai;
  int leaves = 0;
  for (const auto& [key, events] : ByBay(s.events)) {
    ASSERT_TRUE(bays.count(key)) << key.first << "/" << key.second;
    const Zone& zone = *zones.at(key.first);
    for (size_t i = 0; i < events.size(); ++i) {
      const ParkingEvent& e = *events[i];
      EXPECT_EQ(e.sensor_id, bays.at(key)->sensor_id);
      ASSERT_TRUE(e.detection_mode);
      EXPECT_TRUE(*e.detection_mode == "dual" || *e.detection_mode == "magnetic" ||
                  *e.detection_mode == "radar");
      ASSERT_EQ(e.event_type, i % 2 == 0 ? EventType::kArrive : EventType::kLeave)
          << key.first << "/" << key.second << " event " << i;
      if (i > 0) {
        ASSERT_LT(events[i - 1]->timestamp, e.timestamp);
      }
      if (e.event_type == EventType::kArrive) {
        EXPECT_FALSE(e.duration_minutes);
        EXPECT_FALSE(e.revenue);
        continue;
      }
      const Timestamp arrive = events[i - 1]->timestamp;
      ASSERT_TRUE(e.duration_minutes && e.revenue);
      EXPECT_EQ(*e.duration_minutes, DurationMinutes(arrive, e.timestamp));
      EXPECT_EQ(*e.revenue,
                Revenue(*zone.price_per_hour,
                        BillableMicros(arrive, e.timestamp, zone.operating_hours, dubai)));
      EXPECT_EQ(e.revenue->scale(), 2);
      ++leaves;
    }
  }
  EXPECT_GT(leaves, 100);
}

TEST(GeneratorTest, BaysEndInTheStateTheirLastEventLeftThem) {
  CollectingStore s;
  GenerateInto(Small(), s);
  auto by_bay = ByBay(s.events);
  std::map<std::string, const Sensor*> sensors;
  for (const Sensor& x : s.metadata.sensors) sensors[x.sensor_id] = &x;
  int occupied = 0, vacant = 0;
  for (const Bay& b : s.metadata.bays) {
    auto it = by_bay.find({b.zone_id, b.bay_number});
    if (it == by_bay.end()) {
      EXPECT_EQ(b.status, BayStatus::kVacant);
      EXPECT_EQ(b.last_change, sensors.at(*b.sensor_id)->install_date);
      EXPECT_FALSE(b.occupied_since);
      continue;
    }
    const ParkingEvent& last = *it->second.back();
    EXPECT_EQ(b.last_change, last.timestamp);
    if (last.event_type == EventType::kArrive) {
      EXPECT_EQ(b.status, BayStatus::kOccupied);
      EXPECT_EQ(b.occupied_since, last.timestamp);
      ++occupied;
    } else {
      EXPECT_EQ(b.status, BayStatus::kVacant);
      EXPECT_FALSE(b.occupied_since);
      ++vacant;
    }
  }
  // Ends at 04:00 Dubai: some cars stay the night, most bays are free.
  EXPECT_GT(occupied, 0);
  EXPECT_GT(vacant, occupied);
}

TEST(GeneratorTest, MetadataIsSortedConsistentAndLooksLikeDubai) {
  CollectingStore s;
  GenerateOptions o = Small();
  o.zones = 60;
  GenerateStats stats = GenerateInto(o, s);
  const Metadata& m = s.metadata;
  ASSERT_EQ(m.zones.size(), 60u);
  EXPECT_EQ(stats.zones, 60u);
  EXPECT_EQ(stats.bays, m.bays.size());
  EXPECT_EQ(stats.sensors, m.sensors.size());
  EXPECT_EQ(m.bays.size(), m.sensors.size());
  EXPECT_TRUE(std::is_sorted(m.zones.begin(), m.zones.end(),
                             [](auto& a, auto& b) { return a.zone_id < b.zone_id; }));
  EXPECT_TRUE(std::is_sorted(m.bays.begin(), m.bays.end(), [](auto& a, auto& b) {
    return std::tie(a.zone_id, a.bay_number) < std::tie(b.zone_id, b.bay_number);
  }));
  EXPECT_TRUE(std::is_sorted(m.sensors.begin(), m.sensors.end(),
                             [](auto& a, auto& b) { return a.sensor_id < b.sensor_id; }));

  std::map<std::string, int64_t> bays_per_zone;
  for (const Bay& b : m.bays) {
    ++bays_per_zone[b.zone_id];
    EXPECT_TRUE(Fits(b.bay_number, "A-999")) << b.bay_number;
  }
  int uuids = 0, commas = 0, newlines = 0;
  std::set<std::string> tenants;
  std::set<std::pair<int, int>> hours;
  for (const Zone& z : m.zones) {
    if (IsUuidV4(z.zone_id)) {
      ++uuids;
    } else {
      EXPECT_TRUE(Fits(z.zone_id, "zone-999")) << z.zone_id;
    }
    EXPECT_EQ(z.total_bays, bays_per_zone[z.zone_id]) << z.zone_id;
    EXPECT_EQ(z.city, "Dubai");
    ASSERT_TRUE(z.location && z.price_per_hour && z.address && z.name && z.created_at);
    EXPECT_TRUE(z.location->lat > 25.0 && z.location->lat < 25.35) << z.location->lat;
    EXPECT_TRUE(z.location->lng > 55.1 && z.location->lng < 55.45) << z.location->lng;
    EXPECT_GE(*z.price_per_hour, Decimal::FromInt(4));
    EXPECT_LE(*z.price_per_hour, Decimal::FromInt(25));
    EXPECT_EQ(z.price_per_hour->scale(), 2);
    EXPECT_LT(*z.created_at, o.end + (-o.days * kMicrosPerDay - 300 * kMicrosPerDay));
    commas += z.address->find(',') != std::string::npos;
    newlines += z.address->find('\n') != std::string::npos;
    tenants.insert(*z.tenant_id);
    hours.insert({z.operating_hours->open_minute, z.operating_hours->close_minute});
  }
  EXPECT_EQ(uuids, 6);  // one zone in ten
  EXPECT_GT(commas, 30);
  EXPECT_GE(newlines, 2);
  EXPECT_TRUE(tenants.count("tenant-rta"));
  EXPECT_LE(tenants.size(), 3u);
  EXPECT_TRUE(hours.count({8 * 60, 22 * 60}));
  EXPECT_TRUE(hours.count({0, 23 * 60 + 59}));  // all day, as the source writes it
  EXPECT_GE(hours.size(), 3u);

  for (const Sensor& x : m.sensors) {
    EXPECT_TRUE(Fits(x.sensor_id, "PSL01B-999999")) << x.sensor_id;
    EXPECT_EQ(x.model, "PSL01B");
    EXPECT_TRUE(*x.last_battery >= 0 && *x.last_battery <= 100);
    EXPECT_TRUE(*x.last_signal >= -110 && *x.last_signal <= -60);
    EXPECT_LT(*x.install_date, o.end + (-o.days * kMicrosPerDay));
  }
}

TEST(GeneratorTest, TargetEventsLandsWithinFivePercent) {
  for (uint64_t target : {3000u, 40000u, 400000u}) {
    CollectingStore s;
    GenerateOptions o = Small();
    o.target_events = target;
    GenerateStats stats = GenerateInto(o, s);
    EXPECT_EQ(stats.events, s.events.size());
    EXPECT_NEAR(static_cast<double>(stats.events), static_cast<double>(target), 0.05 * target)
        << "target " << target;
  }
}

TEST(GeneratorTest, DuplicateRateWritesThatManyRepeatedKeys) {
  CollectingStore s;
  GenerateOptions o = Small();
  o.duplicate_rate = 0.05;
  GenerateStats stats = GenerateInto(o, s);
  std::map<std::tuple<std::string, std::string, int64_t>, int> keys;
  for (const ParkingEvent& e : s.events) ++keys[{e.zone_id, e.bay_number, e.timestamp.micros()}];
  uint64_t repeated = 0;
  for (const auto& [key, n] : keys) {
    EXPECT_LE(n, 2);
    repeated += n - 1;
  }
  EXPECT_EQ(keys.size(), stats.events);
  EXPECT_EQ(repeated, stats.duplicates_written);
  EXPECT_EQ(s.events.size(), stats.events + stats.duplicates_written);
  const double expected = 0.05 * static_cast<double>(stats.events);
  EXPECT_NEAR(static_cast<double>(repeated), expected, 0.2 * expected);

  // Without the option there are none.
  CollectingStore plain;
  EXPECT_EQ(GenerateInto(Small(), plain).duplicates_written, 0u);
}

TEST(GeneratorTest, ArrivalsFollowTheDailyAndWeeklyCurveInDubaiTime) {
  CollectingStore s;
  GenerateOptions o = Small();
  o.zones = 30;
  o.days = 14;
  GenerateInto(o, s);
  std::array<double, 24> weekday{}, weekend{};
  for (const ParkingEvent& e : s.events) {
    if (e.event_type != EventType::kArrive) continue;
    auto [hour, wday] = LocalHourAndWeekday(e.timestamp);
    (wday == 0 || wday == 6 ? weekend : weekday)[hour] += 1;
  }
  auto per_hour = [](const std::array<double, 24>& a, int from, int to) {
    double n = 0;
    for (int h = from; h < to; ++h) n += a[h];
    return n / (to - from);
  };
  std::array<double, 24> all{};
  for (int h = 0; h < 24; ++h) all[h] = weekday[h] + weekend[h];
  EXPECT_GT(per_hour(all, 10, 20), 5 * per_hour(all, 2, 5));
  // Offices fill 07:00-09:00 on working days; on the weekend mornings are quiet. Ten weekdays and
  // four weekend days in two weeks.
  EXPECT_GT(per_hour(weekday, 7, 9) / 10, 1.3 * per_hour(weekend, 7, 9) / 4);
}

TEST(GeneratorTest, ProgressCountsUpToTheEvents) {
  CollectingStore s;
  std::vector<uint64_t> seen;
  auto stats = Generate(Small(), s, [&](uint64_t n) { seen.push_back(n); });
  ASSERT_TRUE(stats.ok());
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.back(), stats->events);
}

TEST(GeneratorTest, RejectsOptionsOutOfRange) {
  CollectingStore s;
  GenerateOptions o = Small();
  o.bays_per_zone_min = 30;
  o.bays_per_zone_max = 20;
  auto r = Generate(o, s);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("bays_per_zone_max"), std::string::npos);
  o = Small();
  o.duplicate_rate = 1.5;
  EXPECT_TRUE(Generate(o, s).status().IsInvalidArgument());
  EXPECT_EQ(s.metadata_writes, 0);
}

TEST(GeneratorTest, RefusesATargetBeyondAnEventAMinutePerBay) {
  CollectingStore s;
  GenerateOptions o = Small();
  o.days = 1;
  o.target_events = 16 * 12 * 24 * 60 + 1;  // more than the most bays Small() can have
  auto r = Generate(o, s);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_NE(r.status().message().find("target_events"), std::string::npos);
}

TEST(GeneratorTest, NoDaysMeansMetadataAndNoEvents) {
  CollectingStore s;
  GenerateOptions o = Small();
  o.days = 0;
  GenerateStats stats = GenerateInto(o, s);
  EXPECT_EQ(stats.events, 0u);
  EXPECT_TRUE(s.events.empty());
  EXPECT_EQ(s.metadata_writes, 1);
  for (const Bay& b : s.metadata.bays) EXPECT_EQ(b.status, BayStatus::kVacant);
}

}  // namespace
}  // namespace vdpark
