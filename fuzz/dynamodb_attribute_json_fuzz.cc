// The DynamoDB attribute JSON target (fuzz_targets.h): an item in DynamoDB's JSON wire format
// through ItemFromJson, as the client reads GetItem's "Item" and Query's "Items".
#include <boost/json.hpp>
#include <cmath>

#include "fuzz_check.h"
#include "fuzz_targets.h"
#include "store/dynamodb/attribute_json.h"
#include "table/single_table_mapper.h"

namespace vdpark::fuzz {

namespace {

namespace json = boost::json;

// Exact equality, N by its text: the reader keeps a number's text as DynamoDB sent it.
bool SameValue(const AttributeValue& a, const AttributeValue& b);

bool SameItem(const Item& a, const Item& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (i->first != j->first || !SameValue(i->second, j->second)) return false;
  }
  return true;
}

bool SameValue(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() != b.type() || a.text() != b.text() || a.list().size() != b.list().size()) {
    return false;
  }
  for (size_t i = 0; i < a.list().size(); ++i) {
    if (!SameValue(a.list()[i], b.list()[i])) return false;
  }
  return SameItem(a.map(), b.map());
}

// Coordinates compare NaN equal to NaN: a NaN that reads back as NaN made the round trip.
template <typename T>
bool SameRecord(T a, T b) {
  if constexpr (requires { a.location; }) {
    if (a.location && b.location) {
      for (auto [x, y] : {std::pair{&a.location->lng, &b.location->lng},
                          std::pair{&a.location->lat, &b.location->lat}}) {
        if (std::isnan(*x) && std::isnan(*y)) *x = *y = 0;
      }
    }
  }
  return a == b;
}

// The record an item holds (the store's next step after ItemFromJson), when it holds one, made
// into an item again and read back: the same record.
template <typename T>
std::string RecordRoundTrip(const SingleTableMapper& mapper,
                            Result<T> (SingleTableMapper::*read)(const Item&) const,
                            const Item& item) {
  Result<T> record = (mapper.*read)(item);
  if (!record.ok()) {
    VDPARK_FUZZ_CHECK(record.status().code() == Status::Code::kInvalidArgument,
                      "the mapper failed with another kind: " + record.status().ToString());
    return "";
  }
  const Item written = mapper.ToItem(*record);
  Result<T> again = (mapper.*read)(written);
  VDPARK_FUZZ_CHECK(again.ok(), "the mapper refuses the item it wrote: " +
                                    again.status().ToString() + " in " + ItemToDynamoJson(written));
  VDPARK_FUZZ_CHECK(SameRecord(*record, *again),
                    "the record differs after a round trip through " + ItemToDynamoJson(written));
  return "";
}

std::string MapRecord(const Item& item) {
  const SingleTableMapper mapper(MapperOptions{0});
  switch (SingleTableMapper::KindOf(item)) {
    case EntityKind::kZone:
      return RecordRoundTrip(mapper, &SingleTableMapper::ToZone, item);
    case EntityKind::kBay:
      return RecordRoundTrip(mapper, &SingleTableMapper::ToBay, item);
    case EntityKind::kSensor:
      return RecordRoundTrip(mapper, &SingleTableMapper::ToSensor, item);
    case EntityKind::kEvent:
      return RecordRoundTrip(mapper, &SingleTableMapper::ToEvent, item);
    case EntityKind::kOther:
      break;
  }
  return "";
}

std::string Run(std::string_view input) {
  boost::system::error_code ec;
  json::value parsed = json::parse(input, ec);
  if (ec || !parsed.is_object()) return "";  // not an item: the client refuses it before
  const json::object& object = parsed.get_object();

  Result<Item> item = ItemFromJson(object);
  if (!item.ok()) {
    const Status::Code code = item.status().code();
    VDPARK_FUZZ_CHECK(code == Status::Code::kCorruption || code == Status::Code::kNotSupported,
                      "ItemFromJson failed with another kind: " + item.status().ToString());
    VDPARK_FUZZ_CHECK(item.status().message().find("attribute") != std::string::npos,
                      "the error does not name the attribute: " + item.status().ToString());
    return "";
  }
  VDPARK_FUZZ_CHECK(item->size() == object.size(), "item has " + std::to_string(item->size()) +
                                                       " attributes, the JSON " +
                                                       std::to_string(object.size()));

  // Written back, as a request carries it (one serialization), it reads again to the same item.
  const json::object written = ItemToJson(*item);
  const std::string text = json::serialize(written);
  json::value reparsed = json::parse(text, ec);
  VDPARK_FUZZ_CHECK(!ec && reparsed.is_object(), "ItemToJson wrote what does not parse: " + text);
  Result<Item> again = ItemFromJson(reparsed.get_object());
  VDPARK_FUZZ_CHECK(again.ok(), "ItemToJson wrote what ItemFromJson refuses: " +
                                    again.status().ToString() + " in " + text);
  VDPARK_FUZZ_CHECK(SameItem(*item, *again), "item differs after a round trip: " + text);
  // The other serialization (AttributeValue::ToDynamoJson) writes the same JSON.
  json::value other = json::parse(ItemToDynamoJson(*item), ec);
  VDPARK_FUZZ_CHECK(!ec && other == reparsed,
                    "ItemToDynamoJson and ItemToJson disagree: " + ItemToDynamoJson(*item));

  // Sizes are defined for any item read, and a write needs at least one unit.
  const size_t size = ItemSizeBytes(*item);
  VDPARK_FUZZ_CHECK(WriteUnits(*item) >= 1 && WriteUnits(*item) >= size / kWriteUnitBytes,
                    "write units below the item's size");
  return MapRecord(*item);
}

}  // namespace

std::string FuzzDynamoAttributeJson(const uint8_t* data, size_t size) {
  return Guarded("dynamodb_attribute_json",
                 [&] { return Run(std::string_view(reinterpret_cast<const char*>(data), size)); });
}

}  // namespace vdpark::fuzz
