// The fuzz targets: one entry function per parser that meets outside input, called both by the
// libFuzzer drivers (fuzz/*_fuzzer.cc, built by bench/fuzz.sh with clang and the sanitizers) and
// by the replay test (tests/fuzz_replay_test.cc, in the ordinary build), which runs every file of
// fuzz/corpus/<target>/ through its target.
//
// Each target parses its input the way vdpark does, then checks invariants that must hold for any
// input: no exception escapes, what parses re-serialises and parses again to the same thing, an
// error is the documented kind. It returns "" when every invariant held, otherwise a description of
// the first one broken ("fuzz/psql_csv_fuzz.cc:120: re-read zone differs: ..."). Memory errors and
// undefined behaviour are the sanitizers' to find.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vdpark::fuzz {

// One file of the §5.1 export read by CsvStore: the input is "<file name>\n<the file>", where the
// file name is zones.csv, bays.csv, sensors.csv or events.csv (anything else: the first byte picks
// one) and the file includes its header row. The other files of the folder are a small valid fleet.
// Every row read is written back by CsvStore and read again to the same records, with no row
// rejected the second time; a streaming CsvReader with a tiny buffer reads the same records as one
// holding the whole file.
std::string FuzzPsqlCsv(const uint8_t* data, size_t size);

// An MQTT message: "<topic>\n<payload>". A message parsed is written back as the JSON a PSL01B
// sends and parses again to the same SensorMessage; a rejection is kInvalidArgument; both entry
// points (ParseSensorMessage, ParseOrRejectSensorMessage) agree.
std::string FuzzSensorMessage(const uint8_t* data, size_t size);

// One HTTP/1.1 request as bytes on the wire, parsed by Beast as the server parses it, then
// ApiRequest::FromTarget and HandleRequest over an embedded store holding a small fleet (keyless,
// or with keys when the request carries X-Api-Key). No answer is a 500, every JSON answer is
// JSON, and a write that succeeded leaves a store whose reads still answer (no 500).
std::string FuzzHttpRequest(const uint8_t* data, size_t size);

// DynamoDB's JSON wire format of an item ({"PK":{"S":"..."},...}) read by ItemFromJson: an item
// read is written back by ItemToJson and reads again to the same item; a failure is kCorruption or
// kNotSupported.
std::string FuzzDynamoAttributeJson(const uint8_t* data, size_t size);

// The targets by name, for the replay test and the drivers: the corpus folder's name.
struct FuzzTarget {
  std::string_view name;  // "psql_csv", "sensor_message", "http_request", "dynamodb_attribute_json"
  std::string (*run)(const uint8_t* data, size_t size);
};
inline constexpr FuzzTarget kFuzzTargets[] = {
    {"psql_csv", FuzzPsqlCsv},
    {"sensor_message", FuzzSensorMessage},
    {"http_request", FuzzHttpRequest},
    {"dynamodb_attribute_json", FuzzDynamoAttributeJson},
};

}  // namespace vdpark::fuzz
