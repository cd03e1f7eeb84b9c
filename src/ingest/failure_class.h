// The one rule that says what a failure of the Ingestor's store work (reading a message's sensor,
// zone and bay, deciding, writing the change) means for the message: wait for the store, or give
// up on the message after a bounded number of tries.
//
//   kMessage: a retry cannot fix it; the failure is about this message's own records:
//     kCorruption       a stored record cannot be decoded (a value out of range, a date that is no
//                       date: written by an older version or another writer; the mappers report
//                       every out-of-range value so, there is no separate "out of range" code)
//     kInvalidArgument  the store refused a value or a request made from this message
//     kConditionFailed  the conditional write kept failing after the Ingestor's own re-reads
//                       (IngestConfig::max_conflict_retries): the bay never stays as read
//     kInternal         a bug or an answer nobody expected, for this message
//   kStore: the store (or the way to it) is failing, whatever the message; waiting loses nothing:
//     kUnavailable      connection refused or dropped, timeouts, 5xx, RocksDB busy/timed out,
//                       PostgreSQL SQLSTATE 08/57 (DynamoDB, RocksDB, PostgreSQL layers map theirs
//                       here)
//     kThrottled        throttling, provisioned throughput, transaction conflicts
//     kIOError          the operating system or a server failed (disk, an unmapped curl error)
//     kNotFound         the table or index is missing (a zone deleted meanwhile is read again on
//                       the next delivery, and the message is then rejected as unusable)
//     kAborted          stopped on purpose (shutting down): the next process takes the message
//     kNotSupported, kFailedPrecondition: the store's build or state, not the message's
//
// A kMessage class is still checked against the store before the message is given up on
// (Ingestor): some store-wide failures come back with a kMessage code (DynamoDB reports refused or
// expired credentials as kInvalidArgument), and a store that fails a probe read too is down, not
// this message's records.
#pragma once

#include <string_view>

#include "common/status.h"

namespace vdpark {

enum class FailureClass {
  kStore,    // wait: leave the message unacknowledged, it comes again
  kMessage,  // retry a bounded number of times, then publish to the errors topic and acknowledge
};

// The class of a failed (non-OK) status; kStore for OK, which is no failure to give up on.
FailureClass ClassifyFailure(const Status& failure);

// "store", "message".
std::string_view ToString(FailureClass c);

}  // namespace vdpark
