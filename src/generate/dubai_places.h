// Dubai's neighbourhoods, the car parks in them and the operators that own them: the tables that
// give the synthetic export real names, streets and coordinates.
#pragma once

#include <span>
#include <string_view>

#include "generate/traffic_model.h"

namespace vdpark::generate {

// A car park within an area; `kind` shapes its traffic.
struct DubaiPlace {
  std::string_view name;  // "Dubai Marina Walk": zones are named "Dubai Marina Walk P2"
  ZoneKind kind;
};

struct DubaiArea {
  std::string_view name;  // "Dubai Marina"
  double lat;             // the neighbourhood's centre, degrees
  double lng;
  double radius_deg;  // zones lie within this distance of the centre
  int owner;          // index into Operators(): who runs most of its parking
  double weight;      // how many of a city's zones lie here, relatively
  std::span<const DubaiPlace> places;
  std::span<const std::string_view> streets;
};

// Every area, all within 25.0-25.35 N, 55.1-55.45 E.
std::span<const DubaiArea> DubaiAreas();

// Slugs of parking operators, the first being the public one (RTA): tenant ids are
// "tenant-" + slug.
std::span<const std::string_view> Operators();

}  // namespace vdpark::generate
