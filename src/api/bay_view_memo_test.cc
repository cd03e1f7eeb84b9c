#include "api/bay_view_memo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "api/json_views.h"

namespace vdpark {
namespace {

// A zone's bays, each with its sensor.
struct Listing {
  std::vector<Bay> bays;
  std::vector<Sensor> sensors;

  explicit Listing(int n) {
    for (int i = 0; i < n; ++i) {
      Bay b;
      b.zone_id = "zone-1";
      b.bay_number = "A-" + std::to_string(100 + i);
      b.sensor_id = "S-" + std::to_string(i);
      b.status = i % 2 ? BayStatus::kOccupied : BayStatus::kVacant;
      b.last_change = Timestamp::FromMicros(1'700'000'000'000'000 + i * 60'000'000LL);
      if (b.status == BayStatus::kOccupied) b.occupied_since = b.last_change;
      b.location = GeoPoint{25.1 + i / 1e5, 55.3};
      bays.push_back(b);
      Sensor s;
      s.sensor_id = *b.sensor_id;
      s.last_battery = 50 + i;
      s.last_signal = -80;
      sensors.push_back(s);
    }
  }
  // Each bay's sensor; null for the bays given in `without`.
  std::vector<const Sensor*> SensorOf(std::vector<size_t> without = {}) const {
    std::vector<const Sensor*> out;
    for (size_t i = 0; i < bays.size(); ++i) {
      out.push_back(std::find(without.begin(), without.end(), i) == without.end() ? &sensors[i]
                                                                                  : nullptr);
    }
    return out;
  }
};

// What AppendBayJson writes for the bays, comma-separated.
std::string Written(const std::vector<Bay>& bays, const std::vector<const Sensor*>& sensors,
                    Timestamp now) {
  std::string out;
  for (size_t i = 0; i < bays.size(); ++i) {
    if (i != 0) out += ',';
    AppendBayJson(bays[i], sensors[i], now, false, &out);
  }
  return out;
}

std::string FromMemo(BayViewMemo& memo, const std::vector<Bay>& bays,
                     const std::vector<const Sensor*>& sensors, Timestamp now) {
  std::string out;
  memo.AppendViews("zone-1", bays, sensors, now, &out);
  return out;
}

// Whatever changes between two listings, the text is what AppendBayJson writes from the records
// as they are now.
TEST(BayViewMemoTest, TheTextIsAlwaysWhatTheRecordsSayNow) {
  BayViewMemo memo;
  Listing z(6);
  Timestamp now = Timestamp::FromMicros(1'700'000'900'000'000);
  auto check = [&](const char* after, std::vector<const Sensor*> sensors) {
    EXPECT_EQ(FromMemo(memo, z.bays, sensors, now), Written(z.bays, sensors, now)) << after;
    EXPECT_EQ(FromMemo(memo, z.bays, sensors, now), Written(z.bays, sensors, now)) << after;
  };
  check("the first listing", z.SensorOf());
  EXPECT_EQ(memo.zones(), 1u);
  now = Timestamp::FromMicros(now.micros() + 7 * 60'000'000LL);
  check("7 minutes later (currentDuration)", z.SensorOf());
  z.bays[2].status = BayStatus::kOccupied;
  z.bays[2].occupied_since = now;
  check("a bay taken", z.SensorOf());
  z.bays[3].location->lat += 1e-6;
  check("a bay moved by a millionth of a degree", z.SensorOf());
  z.sensors[4].last_battery = 49;
  check("a battery reading", z.SensorOf());
  z.sensors[4].last_signal.reset();
  check("a signal lost", z.SensorOf());
  check("a bay's sensor unknown", z.SensorOf({5}));
  z.bays.erase(z.bays.begin() + 1);
  z.sensors.erase(z.sensors.begin() + 1);
  check("a bay removed", z.SensorOf());
  z.bays.pop_back();
  z.sensors.pop_back();
  check("the last bay removed", z.SensorOf());
  Listing more(8);
  z = more;
  check("bays added", z.SensorOf());
  z.bays.clear();
  z.sensors.clear();
  check("no bays", z.SensorOf());
}

// Past its bound the memo keeps nothing, and the text is still right.
TEST(BayViewMemoTest, StaysWithinItsBound) {
  BayViewMemo memo(1000);  // less than one zone of 10 bays
  Listing z(10);
  const Timestamp now = Timestamp::FromMicros(1'700'000'900'000'000);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(FromMemo(memo, z.bays, z.SensorOf(), now), Written(z.bays, z.SensorOf(), now));
  }
  EXPECT_EQ(memo.zones(), 0u);
}

}  // namespace
}  // namespace vdpark
