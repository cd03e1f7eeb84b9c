// CapacitySample: which BatchWriteItem calls ask DynamoDB for the write capacity they consumed
// (ReturnConsumedCapacity=TOTAL), and the units of those that do not ask.
//
// Asking is not free for the server: during a 50,000-event load into AWS's DynamoDB Local it took
// about a third of the server's CPU (bench/dynamodb_load_bench.sh). So one call in `every` asks,
// the first of all among them; the others are estimated from item sizes (1 unit per started KB, as
// DynamoDbBatchWriter plans them) and scaled by what the asking calls reported against their own
// estimate. The scale brings in what the size estimate leaves out (the index writes), so a load
// of like items is counted as the server would have counted it. Until an asking call has been
// answered with a figure, the scale is 1.
//
// Thread-safe: one sample serves every Write of a writer.
#pragma once

#include <cstdint>
#include <mutex>

namespace vdpark {

class CapacitySample {
 public:
  // `every` below 1 counts as 1 (every call asks).
  explicit CapacitySample(int every) : every_(every < 1 ? 1 : static_cast<uint64_t>(every)) {}

  // Whether the next call is to ask; counts the call.
  bool NextAsks();

  // An asking call's answer: the units it reported for requests estimated at `estimated`.
  void Observe(double reported, double estimated);

  // The units of requests estimated at `estimated`, scaled by what has been observed.
  double Scaled(double estimated) const;

 private:
  const uint64_t every_;
  mutable std::mutex mu_;
  uint64_t calls_ = 0;
  double reported_ = 0;  // sums over the asking calls answered with a figure
  double estimated_ = 0;
};

}  // namespace vdpark
