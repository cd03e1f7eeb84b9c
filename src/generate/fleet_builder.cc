#include "generate/fleet_builder.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "generate/dubai_places.h"
#include "generate/random.h"

namespace vdpark::generate {

namespace {

constexpr uint64_t kFleetDomain = 1;

std::string Padded(uint64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(n));
  return buf;
}

// Coordinates to 6 decimals (about 10 cm): what PostGIS prints back, so text round trips exactly.
double Round6(double degrees) {
  return std::round(degrees * 1e6) / 1e6;
}

// A version-4 UUID from the seeded stream, as PostgreSQL's gen_random_uuid() prints them.
std::string Uuid(Rng& rng) {
  uint64_t hi = rng.Next(), lo = rng.Next();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56);  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

// "A", ..., "Z", then "AA", "AB", ...: a car park's level or row.
std::string RowName(int row) {
  std::string name;
  if (row >= 26) name += static_cast<char>('A' + row / 26 - 1);
  name += static_cast<char>('A' + row % 26);
  return name;
}

std::string TenantId(int index) {
  auto operators = Operators();
  if (index < static_cast<int>(operators.size())) {
    return "tenant-" + std::string(operators[index]);
  }
  return "tenant-operator-" + Padded(index + 1, 2);
}

struct PriceRange {
  double lo, hi;  // AED per hour
};
constexpr PriceRange kPrice[kZoneKinds] = {{4, 8}, {10, 25}, {10, 20}, {5, 12}, {8, 20}};

// The less common opening windows, by kind (close before open spans midnight).
constexpr OperatingHours kOtherHours[kZoneKinds] = {
    {7 * 60, 23 * 60}, {10 * 60, 1 * 60}, {6 * 60, 20 * 60}, {7 * 60, 19 * 60}, {9 * 60, 0}};

constexpr const char* kBayTypes[] = {"standard", "disabled", "ev_charging", "vip"};
constexpr std::array<double, 4> kBayTypeWeights[kZoneKinds] = {{0.90, 0.06, 0.03, 0.01},
                                                               {0.83, 0.05, 0.06, 0.06},
                                                               {0.84, 0.04, 0.08, 0.04},
                                                               {0.88, 0.04, 0.06, 0.02},
                                                               {0.87, 0.05, 0.05, 0.03}};
// Disabled, EV and VIP bays turn over less often than standard ones.
constexpr double kBayTypePopularity[] = {1.0, 0.35, 0.6, 0.5};

constexpr const char* kFirmware[] = {"2.1.4", "2.1.3", "2.0.9", "2.2.0"};
constexpr std::array<double, 4> kFirmwareWeights = {0.6, 0.2, 0.12, 0.08};

std::string Address(Rng& rng, const DubaiArea& area, const DubaiPlace& place, bool line_break) {
  const std::string street(area.streets[rng.Int(0, static_cast<int64_t>(area.streets.size()) - 1)]);
  const std::string area_name(area.name), place_name(place.name);
  if (line_break) return place_name + "\n" + street + ", " + area_name;
  switch (rng.Int(0, 3)) {
    case 0:
      return street + ", " + area_name;
    case 1:
      return "Building " + std::to_string(rng.Int(1, 80)) + ", " + street + ", " + area_name;
    case 2:
      return place_name + ", " + street;
    default:
      return "Gate " + std::to_string(rng.Int(1, 6)) + ", " + place_name + ", " + area_name;
  }
}

std::optional<OperatingHours> Hours(Rng& rng, ZoneKind kind) {
  const double u = rng.Uniform();
  if (u < 0.65) return OperatingHours{8 * 60, 22 * 60};
  if (u < 0.80) return OperatingHours{0, 23 * 60 + 59};  // all day, as the source writes it
  return kOtherHours[static_cast<int>(kind)];
}

}  // namespace

Fleet BuildFleet(const GenerateOptions& o) {
  Rng rng(StreamSeed(o.seed, kFleetDomain, 0));
  Fleet fleet;
  const auto areas = DubaiAreas();
  std::vector<double> area_weights;
  for (const DubaiArea& a : areas) area_weights.push_back(a.weight);
  std::vector<std::vector<int>> place_count(areas.size());
  for (size_t a = 0; a < areas.size(); ++a) place_count[a].assign(areas[a].places.size(), 0);

  const int64_t start = o.end.micros() - o.days * kMicrosPerDay;
  // Exactly one zone in ten gets a UUID id and one in 25 a two-line address, at positions the seed
  // picks, so a small city still has some of each.
  const int64_t uuid_phase = rng.Int(0, 9);
  const int64_t break_phase = rng.Int(0, 24);
  int numbered = 0;
  uint64_t sensor_number = 0;

  for (int z = 0; z < o.zones; ++z) {
    const size_t a = rng.Pick(area_weights);
    const DubaiArea& area = areas[a];
    const auto p = static_cast<size_t>(rng.Int(0, static_cast<int64_t>(area.places.size()) - 1));
    const DubaiPlace& place = area.places[p];
    const ZoneKind kind = place.kind;

    Zone zone;
    zone.zone_id = (z + uuid_phase) % 10 == 9 ? Uuid(rng) : "zone-" + Padded(++numbered, 3);
    zone.name = std::string(place.name) + " P" + std::to_string(++place_count[a][p]);
    zone.address = Address(rng, area, place, (z + break_phase) % 25 == 0);
    zone.city = "Dubai";
    const double r = area.radius_deg * std::sqrt(rng.Uniform());
    const double theta = rng.Uniform(0, 2 * std::numbers::pi);
    zone.location =
        GeoPoint{Round6(area.lat + r * std::cos(theta)), Round6(area.lng + r * std::sin(theta))};
    const PriceRange& pr = kPrice[static_cast<int>(kind)];
    const auto quarters = static_cast<int64_t>(std::round(rng.Uniform(pr.lo, pr.hi) * 4));
    zone.price_per_hour = Decimal::FromMicros(quarters * 250000, 2);
    zone.operating_hours = Hours(rng, kind);
    const bool owner_runs_it = area.owner < o.tenants && rng.Chance(0.7);
    zone.tenant_id =
        TenantId(owner_runs_it ? area.owner : static_cast<int>(rng.Int(0, o.tenants - 1)));
    const Timestamp created = Timestamp::FromMicros(start - rng.Int(365, 730) * kMicrosPerDay -
                                                    rng.Int(0, kMicrosPerDay - 1));
    zone.created_at = created;

    const auto n = static_cast<int>(rng.Int(o.bays_per_zone_min, o.bays_per_zone_max));
    zone.total_bays = n;
    const int row_size = std::max(static_cast<int>(rng.Int(20, 40)), (n + 25) / 26);
    const int digits = row_size > 999 ? 4 : 3;
    const uint32_t zone_index = static_cast<uint32_t>(fleet.zones.size());
    for (int i = 0; i < n; ++i) {
      Bay bay;
      bay.zone_id = zone.zone_id;
      bay.bay_number = RowName(i / row_size) + "-" + Padded(i % row_size + 1, digits);
      const size_t type = rng.Pick(kBayTypeWeights[static_cast<int>(kind)]);
      bay.bay_type = kBayTypes[type];
      bay.location = GeoPoint{Round6(zone.location->lat + rng.Uniform(-6e-4, 6e-4)),
                              Round6(zone.location->lng + rng.Uniform(-6e-4, 6e-4))};

      Sensor sensor;
      sensor.sensor_id = "PSL01B-" + Padded(++sensor_number, 6);
      sensor.model = "PSL01B";
      sensor.firmware_version = kFirmware[rng.Pick(kFirmwareWeights)];
      // Installed within weeks of the zone opening; now and then replaced since.
      int64_t installed = created.micros() + rng.Int(1, 45) * kMicrosPerDay;
      if (rng.Chance(0.08)) {
        installed = rng.Int(installed, start - kMicrosPerDay);
      }
      sensor.install_date = Timestamp::FromMicros(installed + rng.Int(0, kMicrosPerDay - 1));
      sensor.zone_id = bay.zone_id;
      sensor.bay_number = bay.bay_number;
      sensor.status = "active";
      sensor.last_battery = rng.Chance(0.04)
                                ? rng.Int(5, 19)
                                : 100 - static_cast<int64_t>(80 * std::pow(rng.Uniform(), 2));
      sensor.last_signal = std::clamp<int64_t>(std::lround(-82 + 9 * rng.Normal()), -110, -60);
      bay.sensor_id = sensor.sensor_id;

      fleet.bay_zone.push_back(zone_index);
      fleet.bay_popularity.push_back(kBayTypePopularity[type] * rng.Uniform(0.7, 1.3));
      fleet.bays.push_back(std::move(bay));
      fleet.sensors.push_back(std::move(sensor));
    }
    fleet.zone_kind.push_back(kind);
    fleet.zone_popularity.push_back(rng.Uniform(0.7, 1.3));
    fleet.zones.push_back(std::move(zone));
  }
  return fleet;
}

}  // namespace vdpark::generate
