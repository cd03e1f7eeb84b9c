#include "store/dynamodb/dynamodb_batch_writer.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/dynamodb/attribute_json.h"
#include "store/dynamodb/dynamodb_request_parts.h"

namespace vdpark {

namespace {

using dynamodb_parts::KeyText;

// One write request, checked, with what the batching needs to know about it.
struct Planned {
  ItemKey key;
  size_t bytes = 0;    // the item's size as DynamoDB counts it (0 for a delete)
  uint64_t units = 0;  // estimated write units
};

// Answers of calls in flight, handed from the client's I/O thread to the caller's thread, which
// does all the parsing so that the callbacks stay short (as DynamoDbClient asks).
struct Inbox {
  struct Answer {
    size_t batch;  // index into the round's batches
    Result<boost::json::object> result;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Answer> answers;
};

std::string JoinKey(const ItemKey& key) {
  std::string out = key.pk;
  out += '\0';
  out += key.sk;
  return out;
}

// The key of an entry of UnprocessedItems ({"PutRequest":{"Item":...}} or
// {"DeleteRequest":{"Key":...}}); nullopt when it is not one of those.
std::optional<ItemKey> KeyOfEntry(const boost::json::value& entry) {
  if (!entry.is_object()) return std::nullopt;
  const boost::json::object& o = entry.get_object();
  const boost::json::value* attributes = nullptr;
  if (const boost::json::value* put = o.if_contains("PutRequest"); put && put->is_object()) {
    attributes = put->get_object().if_contains("Item");
  } else if (const boost::json::value* del = o.if_contains("DeleteRequest");
             del && del->is_object()) {
    attributes = del->get_object().if_contains("Key");
  }
  if (attributes == nullptr || !attributes->is_object()) return std::nullopt;
  auto text = [&](std::string_view name) -> std::optional<std::string> {
    const boost::json::value* v = attributes->get_object().if_contains(name);
    if (v == nullptr || !v->is_object()) return std::nullopt;
    const boost::json::value* s = v->get_object().if_contains("S");
    if (s == nullptr || !s->is_string()) return std::nullopt;
    return std::string(s->get_string());
  };
  std::optional<std::string> pk = text(kPkAttr), sk = text(kSkAttr);
  if (!pk || !sk) return std::nullopt;
  return ItemKey{std::move(*pk), std::move(*sk)};
}

// Checks every request (see the header) and returns what the batching needs, in request order.
Result<std::vector<Planned>> Plan(std::span<const WriteRequest> writes) {
  std::vector<Planned> planned(writes.size());
  std::unordered_map<std::string, size_t> first_with_key;
  first_with_key.reserve(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    const WriteRequest& w = writes[i];
    Planned& p = planned[i];
    auto where = [i](const Status& s) { return s.WithContext("request " + std::to_string(i)); };
    if (w.kind == WriteRequest::Kind::kPut) {
      Result<ItemKey> key = dynamodb_parts::CheckedKeyOf(w.item);
      if (!key.ok()) return where(key.status());
      p.key = std::move(*key);
      p.bytes = ItemSizeBytes(w.item);
      if (p.bytes > kMaxItemSizeBytes) {
        return Status::InvalidArgument("item " + KeyText(p.key) + " is " + std::to_string(p.bytes) +
                                       " bytes, over DynamoDB's limit of " +
                                       std::to_string(kMaxItemSizeBytes) +
                                       " bytes per item; nothing was written");
      }
      p.units = dynamodb_parts::EstimatedWriteUnits(p.bytes);
    } else {
      VDPARK_RETURN_IF_ERROR(where(dynamodb_parts::CheckKey(w.key)));
      p.key = w.key;
      p.units = 1;
    }
    auto [it, inserted] = first_with_key.try_emplace(JoinKey(p.key), i);
    if (!inserted) {
      return Status::InvalidArgument("requests " + std::to_string(it->second) + " and " +
                                     std::to_string(i) + " are both for " + KeyText(p.key) +
                                     " (DynamoDB refuses two writes of one key in a batch); "
                                     "nothing was written");
    }
  }
  return planned;
}

// Groups `pending` (request indexes) into batches within DynamoDB's count and size limits.
std::vector<std::vector<size_t>> MakeBatches(const std::vector<size_t>& pending,
                                             const std::vector<Planned>& planned) {
  std::vector<std::vector<size_t>> batches;
  size_t bytes = 0;
  for (size_t i : pending) {
    if (batches.empty() || batches.back().size() == kMaxBatchItems ||
        bytes + planned[i].bytes > kMaxBatchBytes) {
      batches.emplace_back();
      bytes = 0;
    }
    batches.back().push_back(i);
    bytes += planned[i].bytes;
  }
  return batches;
}

}  // namespace

DynamoDbBatchWriter::DynamoDbBatchWriter(DynamoDbClient& client, std::string table,
                                         BatchWriterOptions options)
    : client_(client), table_(std::move(table)), options_(options) {}

BatchWriteReport DynamoDbBatchWriter::Write(std::span<const WriteRequest> writes,
                                            const std::atomic<int>& in_flight_limit,
                                            const WriteControls& controls) const {
  BatchWriteReport report;
  Result<std::vector<Planned>> planned_or = Plan(writes);
  if (!planned_or.ok()) {
    report.status = planned_or.status().WithContext("BatchWrite to " + table_);
    return report;
  }
  const std::vector<Planned>& planned = *planned_or;
  std::unordered_map<std::string, size_t> index_of;  // for matching UnprocessedItems back
  index_of.reserve(planned.size());
  for (size_t i = 0; i < planned.size(); ++i) index_of.emplace(JoinKey(planned[i].key), i);

  // Builds one BatchWriteItem request in one arena: the client serializes it before CallAsync
  // returns, and an arena makes the thousands of small JSON nodes cheap.
  auto build = [&](const std::vector<size_t>& batch) {
    boost::json::storage_ptr sp =
        boost::json::make_shared_resource<boost::json::monotonic_resource>();
    boost::json::array entries(sp);
    entries.reserve(batch.size());
    for (size_t i : batch) {
      boost::json::object entry(sp);
      boost::json::object body(sp);
      if (writes[i].kind == WriteRequest::Kind::kPut) {
        body["Item"] = ItemToJson(writes[i].item, sp);
        entry["PutRequest"] = std::move(body);
      } else {
        body["Key"] = dynamodb_parts::KeyToJson(planned[i].key, sp);
        entry["DeleteRequest"] = std::move(body);
      }
      entries.push_back(std::move(entry));
    }
    boost::json::object tables(sp);
    tables[table_] = std::move(entries);
    boost::json::object request(sp);
    request["RequestItems"] = std::move(tables);
    request["ReturnConsumedCapacity"] = "TOTAL";
    return request;
  };

  const uint64_t throttled_before = client_.stats().throttled.load();
  auto finish = [&](Status status) {
    report.status = std::move(status);
    report.throttled_answers = client_.stats().throttled.load() - throttled_before;
    return report;
  };
  auto inbox = std::make_shared<Inbox>();
  std::vector<size_t> pending(planned.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  Status error;
  while (!pending.empty()) {
    if (report.rounds > 0) {
      if (static_cast<int>(report.rounds) >= options_.max_rounds) {
        return finish(Status::Throttled(
            "BatchWrite to " + table_ + ": " + std::to_string(pending.size()) + " of " +
            std::to_string(writes.size()) + " requests still unprocessed after " +
            std::to_string(report.rounds) + " rounds of resending; the rest were written"));
      }
      std::this_thread::sleep_for(dynamodb_parts::FullJitterBackoff(
          static_cast<int>(report.rounds) - 1, options_.base_backoff, options_.max_backoff));
      report.items_resent += pending.size();
    }
    ++report.rounds;
    std::vector<std::vector<size_t>> batches = MakeBatches(pending, planned);
    pending.clear();
    size_t next = 0, in_flight = 0;
    while (next < batches.size() || in_flight > 0) {
      // Read the limit before each call: the loader may change it while a call is running.
      int allowed = in_flight_limit.load();
      if (controls.in_flight) allowed = std::min(allowed, controls.in_flight->limit());
      const size_t limit = static_cast<size_t>(std::max(1, allowed));
      while (error.ok() && next < batches.size() && in_flight < limit) {
        const size_t b = next++;
        if (controls.write_units) {
          uint64_t units = 0;
          for (size_t i : batches[b]) units += planned[i].units;
          controls.write_units->Acquire(static_cast<double>(units));
        }
        ++in_flight;
        ++report.requests_sent;
        client_.CallAsync("BatchWriteItem", build(batches[b]),
                          [inbox, b](Result<boost::json::object> result) {
                            std::lock_guard lock(inbox->mu);
                            inbox->answers.push_back({b, std::move(result)});
                            inbox->cv.notify_one();
                          });
      }
      if (!error.ok()) next = batches.size();  // send nothing more; drain what is in flight
      if (in_flight == 0) break;
      std::deque<Inbox::Answer> answers;
      {
        std::unique_lock lock(inbox->mu);
        inbox->cv.wait(lock, [&] { return !inbox->answers.empty(); });
        answers.swap(inbox->answers);
      }
      for (Inbox::Answer& answer : answers) {
        --in_flight;
        const std::vector<size_t>& batch = batches[answer.batch];
        if (!answer.result.ok()) {
          Status s = answer.result.status();
          if (s.IsRetryable()) {
            ++report.throttled_requests;
            if (controls.in_flight) controls.in_flight->OnThrottled();
            pending.insert(pending.end(), batch.begin(), batch.end());
          } else if (error.ok()) {
            error = s;
          }
          continue;
        }
        const boost::json::object& response = *answer.result;
        std::vector<size_t> unprocessed;
        if (const boost::json::value* u = response.if_contains("UnprocessedItems");
            u != nullptr && u->is_object()) {
          if (const boost::json::value* mine = u->get_object().if_contains(table_);
              mine != nullptr && mine->is_array()) {
            for (const boost::json::value& entry : mine->get_array()) {
              std::optional<ItemKey> key = KeyOfEntry(entry);
              auto it = key ? index_of.find(JoinKey(*key)) : index_of.end();
              if (it == index_of.end()) {
                // An entry we cannot match back could hide a request that was never applied:
                // fail the call rather than guess.
                if (error.ok()) {
                  error = Status::Internal(
                      "BatchWriteItem: an unprocessed entry matches no "
                      "request sent: " +
                      boost::json::serialize(entry).substr(0, 200));
                }
                continue;
              }
              unprocessed.push_back(it->second);
            }
          }
        }
        if (controls.in_flight) {
          unprocessed.empty() ? controls.in_flight->OnSuccess() : controls.in_flight->OnThrottled();
        }
        if (!unprocessed.empty()) {
          ++report.throttled_requests;
          pending.insert(pending.end(), unprocessed.begin(), unprocessed.end());
        }
        if (std::optional<double> units = dynamodb_parts::ConsumedUnits(response)) {
          report.write_units += *units;
        } else {
          ++report.unreported_capacity;
          std::sort(unprocessed.begin(), unprocessed.end());
          for (size_t i : batch) {
            if (!std::binary_search(unprocessed.begin(), unprocessed.end(), i)) {
              report.write_units += static_cast<double>(planned[i].units);
            }
          }
        }
      }
    }
    if (!error.ok()) return finish(error.WithContext("BatchWrite to " + table_));
    // Keep the requests' own order in a resend: easier to read in a trace, nothing more.
    std::sort(pending.begin(), pending.end());
  }
  return finish(Status::OK());
}

}  // namespace vdpark
