// What the tests of the Store's record-level operations share (live_store_test.cc,
// store_queries_test.cc): gtest printers for the records, RECORD_ASSERT_OK for a Status or a
// Result, and Ts() for a timestamp written as text.
#pragma once

#include <gtest/gtest.h>

#include <ostream>

#include "common/result.h"
#include "common/status.h"
#include "domain/model.h"
#include "table/attribute_value.h"
#include "table/single_table_mapper.h"

namespace vdpark {

// Failures print records as their items (internal linkage: found by ADL, clashing with nothing).
inline void PrintTo(const Zone& z, std::ostream* os) {
  *os << ItemToDynamoJson(SingleTableMapper().ToItem(z));
}
inline void PrintTo(const Bay& b, std::ostream* os) {
  *os << ItemToDynamoJson(SingleTableMapper().ToItem(b));
}
inline void PrintTo(const Sensor& s, std::ostream* os) {
  *os << ItemToDynamoJson(SingleTableMapper().ToItem(s));
}
inline void PrintTo(const ParkingEvent& e, std::ostream* os) {
  *os << ItemToDynamoJson(SingleTableMapper().ToItem(e));
}

namespace record_test {

inline Status StatusOf(const Status& s) {
  return s;
}
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}

// The time `iso` names; a failed expectation (and the epoch) when it names none.
inline Timestamp Ts(const char* iso) {
  auto t = Timestamp::Parse(iso);
  EXPECT_TRUE(t.ok()) << iso;
  return t.ok() ? *t : Timestamp();
}

}  // namespace record_test
}  // namespace vdpark

#define RECORD_ASSERT_OK(expr)                                         \
  do {                                                                 \
    const auto& _record_result = (expr);                               \
    ASSERT_TRUE(_record_result.ok())                                   \
        << ::vdpark::record_test::StatusOf(_record_result).ToString(); \
  } while (0)
