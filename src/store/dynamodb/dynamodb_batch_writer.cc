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
#include "store/dynamodb/capacity_sample.h"
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

// One Write call: its requests, what the batching knows of them, and what the rounds have done.
class BatchWriteRun {
 public:
  BatchWriteRun(DynamoDbClient& client, const std::string& table, const BatchWriterOptions& options,
                CapacitySample& capacity, std::span<const WriteRequest> writes,
                std::vector<Planned> planned, const std::atomic<int>& in_flight_limit,
                const WriteControls& controls)
      : client_(client),
        table_(table),
        options_(options),
        capacity_(capacity),
        writes_(writes),
        planned_(std::move(planned)),
        in_flight_limit_(in_flight_limit),
        controls_(controls),
        throttled_before_(client.stats().throttled.load()) {
    index_of_.reserve(planned_.size());
    for (size_t i = 0; i < planned_.size(); ++i) index_of_.emplace(JoinKey(planned_[i].key), i);
    pending_.resize(planned_.size());
    for (size_t i = 0; i < pending_.size(); ++i) pending_[i] = i;
  }

  // Rounds of calls until every request is applied, the rounds run out or a call fails.
  BatchWriteReport Run() {
    while (!pending_.empty()) {
      if (report_.rounds > 0) {
        if (Status s = WaitBeforeResending(); !s.ok()) return Finish(s);
      }
      ++report_.rounds;
      std::vector<std::vector<size_t>> batches = MakeBatches(pending_, planned_);
      pending_.clear();
      SendRound(batches);
      if (!error_.ok()) return Finish(error_.WithContext("BatchWrite to " + table_));
      // Keep the requests' own order in a resend: easier to read in a trace, nothing more.
      std::sort(pending_.begin(), pending_.end());
    }
    return Finish(Status::OK());
  }

 private:
  // kThrottled once max_rounds rounds have left requests unprocessed; otherwise the backoff
  // before the next round.
  Status WaitBeforeResending() {
    if (static_cast<int>(report_.rounds) >= options_.max_rounds) {
      return Status::Throttled(
          "BatchWrite to " + table_ + ": " + std::to_string(pending_.size()) + " of " +
          std::to_string(writes_.size()) + " requests still unprocessed after " +
          std::to_string(report_.rounds) + " rounds of resending; the rest were written");
    }
    std::this_thread::sleep_for(dynamodb_parts::FullJitterBackoff(
        static_cast<int>(report_.rounds) - 1, options_.base_backoff, options_.max_backoff));
    report_.items_resent += pending_.size();
    return Status::OK();
  }

  // Sends the round's batches, at most the in-flight limit at a time, and takes in every answer:
  // what is to be sent again goes to pending_, the first error that is not to error_ (after
  // which nothing more is sent).
  void SendRound(const std::vector<std::vector<size_t>>& batches) {
    size_t next = 0, in_flight = 0;
    asks_.assign(batches.size(), false);
    while (next < batches.size() || in_flight > 0) {
      const size_t limit = InFlightLimit();
      while (error_.ok() && next < batches.size() && in_flight < limit) {
        const size_t b = next++;
        Send(b, batches[b]);
        ++in_flight;
      }
      if (!error_.ok()) next = batches.size();  // send nothing more; drain what is in flight
      if (in_flight == 0) break;
      for (Inbox::Answer& answer : TakeAnswers()) {
        --in_flight;
        TakeAnswer(answer, batches[answer.batch]);
      }
    }
  }

  // Read before each call: the loader may change it while a call is running.
  size_t InFlightLimit() const {
    int allowed = in_flight_limit_.load();
    if (controls_.in_flight) allowed = std::min(allowed, controls_.in_flight->limit());
    return static_cast<size_t>(std::max(1, allowed));
  }

  // Sends batch `b` once the write-unit ceiling lets it; its answer comes to the inbox.
  void Send(size_t b, const std::vector<size_t>& batch) {
    if (controls_.write_units) {
      uint64_t units = 0;
      for (size_t i : batch) units += planned_[i].units;
      controls_.write_units->Acquire(static_cast<double>(units));
    }
    ++report_.requests_sent;
    asks_[b] = capacity_.NextAsks();
    client_.CallAsync("BatchWriteItem", BuildRequest(batch, asks_[b]),
                      [inbox = inbox_, b](Result<boost::json::object> result) {
                        std::lock_guard lock(inbox->mu);
                        inbox->answers.push_back({b, std::move(result)});
                        inbox->cv.notify_one();
                      });
  }

  // Waits for at least one answer and takes all that are there.
  std::deque<Inbox::Answer> TakeAnswers() {
    std::deque<Inbox::Answer> answers;
    std::unique_lock lock(inbox_->mu);
    inbox_->cv.wait(lock, [&] { return !inbox_->answers.empty(); });
    answers.swap(inbox_->answers);
    return answers;
  }

  // One call's answer: a call that failed and may be retried goes back to pending_ whole; of one
  // that succeeded, its unprocessed requests, and its write units are counted.
  void TakeAnswer(const Inbox::Answer& answer, const std::vector<size_t>& batch) {
    if (!answer.result.ok()) {
      Status s = answer.result.status();
      if (s.IsRetryable()) {
        ++report_.throttled_requests;
        if (controls_.in_flight) controls_.in_flight->OnThrottled();
        pending_.insert(pending_.end(), batch.begin(), batch.end());
      } else if (error_.ok()) {
        error_ = s;
      }
      return;
    }
    const boost::json::object& response = *answer.result;
    std::vector<size_t> unprocessed = UnprocessedOf(response);
    if (controls_.in_flight) {
      unprocessed.empty() ? controls_.in_flight->OnSuccess() : controls_.in_flight->OnThrottled();
    }
    if (!unprocessed.empty()) {
      ++report_.throttled_requests;
      pending_.insert(pending_.end(), unprocessed.begin(), unprocessed.end());
    }
    CountWriteUnits(response, batch, std::move(unprocessed), asks_[answer.batch]);
  }

  // The requests the server left in UnprocessedItems, matched back by key.
  std::vector<size_t> UnprocessedOf(const boost::json::object& response) {
    std::vector<size_t> unprocessed;
    const boost::json::value* u = response.if_contains("UnprocessedItems");
    if (u == nullptr || !u->is_object()) return unprocessed;
    const boost::json::value* mine = u->get_object().if_contains(table_);
    if (mine == nullptr || !mine->is_array()) return unprocessed;
    for (const boost::json::value& entry : mine->get_array()) {
      std::optional<ItemKey> key = KeyOfEntry(entry);
      auto it = key ? index_of_.find(JoinKey(*key)) : index_of_.end();
      if (it == index_of_.end()) {
        // An entry we cannot match back could hide a request that was never applied: fail the
        // call rather than guess.
        if (error_.ok()) {
          error_ = Status::Internal(
              "BatchWriteItem: an unprocessed entry matches no "
              "request sent: " +
              boost::json::serialize(entry).substr(0, 200));
        }
        continue;
      }
      unprocessed.push_back(it->second);
    }
    return unprocessed;
  }

  // As the answer reports them when the call asked (see CapacitySample); else the size estimate of
  // the requests of `batch` it applied, scaled by the sample when the Write finishes (by then the
  // asking calls sent with this one have answered too).
  void CountWriteUnits(const boost::json::object& response, const std::vector<size_t>& batch,
                       std::vector<size_t> unprocessed, bool asked) {
    std::sort(unprocessed.begin(), unprocessed.end());
    double estimated = 0;
    for (size_t i : batch) {
      if (!std::binary_search(unprocessed.begin(), unprocessed.end(), i)) {
        estimated += static_cast<double>(planned_[i].units);
      }
    }
    if (asked) {
      ++report_.capacity_asked;
      if (std::optional<double> units = dynamodb_parts::ConsumedUnits(response)) {
        report_.write_units += *units;
        capacity_.Observe(*units, estimated);
        return;
      }
      ++report_.unreported_capacity;
    }
    unscaled_units_ += estimated;
  }

  // One BatchWriteItem request in one arena: the client serializes it before CallAsync returns,
  // and an arena makes the thousands of small JSON nodes cheap.
  boost::json::object BuildRequest(const std::vector<size_t>& batch, bool ask_capacity) const {
    boost::json::storage_ptr sp =
        boost::json::make_shared_resource<boost::json::monotonic_resource>();
    boost::json::array entries(sp);
    entries.reserve(batch.size());
    for (size_t i : batch) {
      boost::json::object entry(sp);
      boost::json::object body(sp);
      if (writes_[i].kind == WriteRequest::Kind::kPut) {
        body["Item"] = ItemToJson(writes_[i].item, sp);
        entry["PutRequest"] = std::move(body);
      } else {
        body["Key"] = dynamodb_parts::KeyToJson(planned_[i].key, sp);
        entry["DeleteRequest"] = std::move(body);
      }
      entries.push_back(std::move(entry));
    }
    boost::json::object tables(sp);
    tables[table_] = std::move(entries);
    boost::json::object request(sp);
    request["RequestItems"] = std::move(tables);
    if (ask_capacity) request["ReturnConsumedCapacity"] = "TOTAL";
    return request;
  }

  BatchWriteReport Finish(Status status) {
    report_.status = std::move(status);
    report_.write_units += capacity_.Scaled(unscaled_units_);
    report_.throttled_answers = client_.stats().throttled.load() - throttled_before_;
    return report_;
  }

  DynamoDbClient& client_;
  const std::string& table_;
  const BatchWriterOptions& options_;
  CapacitySample& capacity_;
  const std::span<const WriteRequest> writes_;
  const std::vector<Planned> planned_;
  std::unordered_map<std::string, size_t> index_of_;  // for matching UnprocessedItems back
  const std::atomic<int>& in_flight_limit_;
  const WriteControls& controls_;
  const uint64_t throttled_before_;
  const std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::vector<size_t> pending_;  // requests of the next round
  std::vector<bool> asks_;       // of the round's batches, which ask for their capacity
  double unscaled_units_ = 0;    // estimated units of the answers that reported none
  Status error_;                 // the first error not to be retried
  BatchWriteReport report_;
};

}  // namespace

DynamoDbBatchWriter::DynamoDbBatchWriter(DynamoDbClient& client, std::string table,
                                         BatchWriterOptions options)
    : client_(client),
      table_(std::move(table)),
      options_(options),
      capacity_(std::make_unique<CapacitySample>(options.capacity_sample_every)) {}

DynamoDbBatchWriter::~DynamoDbBatchWriter() = default;

BatchWriteReport DynamoDbBatchWriter::Write(std::span<const WriteRequest> writes,
                                            const std::atomic<int>& in_flight_limit,
                                            const WriteControls& controls) const {
  Result<std::vector<Planned>> planned = Plan(writes);
  if (!planned.ok()) {
    BatchWriteReport report;
    report.status = planned.status().WithContext("BatchWrite to " + table_);
    return report;
  }
  return BatchWriteRun(client_, table_, options_, *capacity_, writes, std::move(*planned),
                       in_flight_limit, controls)
      .Run();
}

}  // namespace vdpark
