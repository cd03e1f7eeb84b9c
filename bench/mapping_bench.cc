// Micro-benchmarks of the per-event work on the load and verify paths, to see where a load's
// time goes beside the RocksDB ceiling: timestamp parsing, mapping an event to its item, encoding
// the item for RocksDB, and the way back.
#include <benchmark/benchmark.h>

#include "store/embedded/item_codec.h"
#include "table/single_table_mapper.h"

namespace vdpark {
namespace {

ParkingEvent SampleEvent() {
  ParkingEvent e;
  e.zone_id = "zone-017";
  e.bay_number = "B-042";
  e.event_type = EventType::kLeave;
  e.timestamp = *Timestamp::Parse("2026-11-12 18:04:05.123456+04");
  e.duration_minutes = 95;
  e.revenue = *Decimal::Parse("19.79");
  e.detection_mode = "dual";
  return e;
}

void BM_ParsePsqlTimestamp(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(Timestamp::Parse("2026-11-12 18:04:05.123456+04"));
  }
}
BENCHMARK(BM_ParsePsqlTimestamp);

void BM_EventToNewItem(benchmark::State& state) {
  SingleTableMapper mapper;
  ParkingEvent e = SampleEvent();
  for (auto _ : state) benchmark::DoNotOptimize(mapper.ToItem(e));
}
BENCHMARK(BM_EventToNewItem);

void BM_EventFillReusedItem(benchmark::State& state) {
  SingleTableMapper mapper;
  ParkingEvent e = SampleEvent();
  Item item;
  for (auto _ : state) {
    mapper.FillItem(e, &item);
    benchmark::DoNotOptimize(item);
  }
}
BENCHMARK(BM_EventFillReusedItem);

void BM_EncodeItem(benchmark::State& state) {
  Item item = SingleTableMapper().ToItem(SampleEvent());
  for (auto _ : state) benchmark::DoNotOptimize(EncodeItem(item));
}
BENCHMARK(BM_EncodeItem);

void BM_DecodeItemToEvent(benchmark::State& state) {
  SingleTableMapper mapper;
  std::string encoded = EncodeItem(mapper.ToItem(SampleEvent()));
  for (auto _ : state) {
    auto item = DecodeItem(encoded);
    benchmark::DoNotOptimize(mapper.ToEvent(*item));
  }
}
BENCHMARK(BM_DecodeItemToEvent);

}  // namespace
}  // namespace vdpark

BENCHMARK_MAIN();
