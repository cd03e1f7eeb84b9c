// EventTally: arrivals, departures, revenue and stays counted from events, as the analytics
// routes report them (analytics_routes.cc per local day, analytics_summary_routes.cc per period
// and zone). Internal to src/api.
#pragma once

#include <cmath>
#include <cstdint>

#include "api/json_views.h"

namespace vdpark {

struct EventTally {
  int64_t arrivals = 0;
  int64_t departures = 0;
  int64_t revenue_micros = 0;
  int64_t stays = 0;  // departures with a duration
  int64_t stay_minutes = 0;

  void Add(const ParkingEvent& e) {
    if (e.event_type == EventType::kArrive) {
      ++arrivals;
      return;
    }
    ++departures;
    if (e.revenue) revenue_micros += e.revenue->micros();
    if (e.duration_minutes) {
      ++stays;
      stay_minutes += *e.duration_minutes;
    }
  }
  void Add(const EventTally& o) {
    arrivals += o.arrivals;
    departures += o.departures;
    revenue_micros += o.revenue_micros;
    stays += o.stays;
    stay_minutes += o.stay_minutes;
  }
  json::value RevenueJson() const { return MoneyJson(Decimal::FromMicros(revenue_micros, 2)); }
  // The average stay in minutes, to one decimal; null without a departure that has a duration.
  json::value AverageStayJson() const {
    if (stays == 0) return nullptr;
    return std::round(10.0 * static_cast<double>(stay_minutes) / static_cast<double>(stays)) / 10.0;
  }
};

}  // namespace vdpark
