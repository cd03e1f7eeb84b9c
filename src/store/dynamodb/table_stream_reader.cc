#include "store/dynamodb/table_stream_reader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <vector>

#include "store/dynamodb/attribute_json.h"
#include "store/dynamodb/stream_shards.h"

namespace vdpark {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string StringIn(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// One record of GetRecords' answer; kCorruption naming the field that is not as documented.
Result<StreamRecord> ParseRecord(const json::value& v) {
  const json::object* r = v.if_object();
  const json::object* d =
      r ? r->if_contains("dynamodb") ? r->at("dynamodb").if_object() : nullptr : nullptr;
  if (d == nullptr) return Status::Corruption("GetRecords: a record without its dynamodb part");
  StreamRecord out;
  out.event_name = StringIn(*r, "eventName");
  out.sequence_number = StringIn(*d, "SequenceNumber");
  auto image = [&](std::string_view name) -> Result<std::optional<Item>> {
    const json::value* i = d->if_contains(name);
    if (i == nullptr) return std::optional<Item>();
    if (!i->is_object()) return Status::Corruption("GetRecords: " + std::string(name));
    VDPARK_ASSIGN_OR_RETURN_WITH(Item item, ItemFromJson(i->get_object()),
                                 "GetRecords: " + std::string(name));
    return std::optional<Item>(std::move(item));
  };
  VDPARK_ASSIGN_OR_RETURN(std::optional<Item> keys, image("Keys"));
  if (!keys) return Status::Corruption("GetRecords: a record without Keys");
  out.keys = std::move(*keys);
  VDPARK_ASSIGN_OR_RETURN(out.new_image, image("NewImage"));
  VDPARK_ASSIGN_OR_RETURN(out.old_image, image("OldImage"));
  return out;
}

bool Says(const Status& s, std::string_view exception) {
  return s.message().find(exception) != std::string::npos;
}

}  // namespace

struct TableStreamReader::Impl {
  DynamoDbClient& client;
  const std::string arn;
  const TableStreamReaderOptions options;
  const OnRecord on_record;
  TableStreamReaderStats stats;

  // Owned by the reading thread (and by Start before it runs).
  StreamShards shards;
  struct Position {
    std::string iterator;  // "" when one must be asked for
    std::string last_sequence;
  };
  std::map<std::string, Position> positions;
  Clock::time_point next_describe;
  std::chrono::milliseconds backoff{0};

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;  // guarded by mu
  std::thread thread;

  Impl(DynamoDbClient& c, std::string a, TableStreamReaderOptions o, OnRecord r)
      : client(c), arn(std::move(a)), options(o), on_record(std::move(r)) {}

  // Every page of DescribeStream into `shards`.
  Status Describe() {
    std::vector<ShardInfo> found;
    std::string after;
    do {
      json::object request{{"StreamArn", arn}};
      if (!after.empty()) request["ExclusiveStartShardId"] = after;
      VDPARK_ASSIGN_OR_RETURN(json::object r, client.Call("DescribeStream", request));
      const json::value* d = r.if_contains("StreamDescription");
      if (d == nullptr || !d->is_object()) {
        return Status::Corruption("DescribeStream: no StreamDescription");
      }
      const json::object& description = d->get_object();
      if (const json::value* list = description.if_contains("Shards"); list && list->is_array()) {
        for (const json::value& e : list->get_array()) {
          const json::object* s = e.if_object();
          if (s == nullptr) continue;
          ShardInfo info{StringIn(*s, "ShardId"), StringIn(*s, "ParentShardId"), false};
          if (const json::value* range = s->if_contains("SequenceNumberRange");
              range && range->is_object()) {
            info.closed = range->get_object().contains("EndingSequenceNumber");
          }
          if (!info.id.empty()) found.push_back(std::move(info));
        }
      }
      after = StringIn(description, "LastEvaluatedShardId");
    } while (!after.empty());
    shards.Described(found);
    next_describe = Clock::now() + options.describe_every;
    return Status::OK();
  }

  Status NewIterator(const std::string& shard, StreamShards::Start start, Position* p) {
    json::object request{{"StreamArn", arn}, {"ShardId", shard}};
    if (!p->last_sequence.empty()) {
      request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER";
      request["SequenceNumber"] = p->last_sequence;
    } else {
      request["ShardIteratorType"] =
          start == StreamShards::Start::kLatest ? "LATEST" : "TRIM_HORIZON";
    }
    VDPARK_ASSIGN_OR_RETURN(json::object r, client.Call("GetShardIterator", request));
    p->iterator = StringIn(r, "ShardIterator");
    if (p->iterator.empty()) return Status::Corruption("GetShardIterator: no ShardIterator");
    return Status::OK();
  }

  // Reads one batch of `shard`; the number of records handed on.
  Result<size_t> ReadShard(const StreamShards::Readable& shard) {
    Position& p = positions[shard.id];
    if (p.iterator.empty()) VDPARK_RETURN_IF_ERROR(NewIterator(shard.id, shard.start, &p));
    ++stats.get_records;
    Result<json::object> r = client.Call("GetRecords", {{"ShardIterator", p.iterator}});
    if (!r.ok()) {
      if (Says(r.status(), "ExpiredIteratorException")) {
        p.iterator.clear();  // asked for again, after the last record read
        return size_t{0};
      }
      if (Says(r.status(), "TrimmedDataAccessException")) {
        p.iterator.clear();
        p.last_sequence.clear();  // its oldest record that is still there
        spdlog::warn("stream: shard {}: records were trimmed before they were read", shard.id);
        return size_t{0};
      }
      if (r.status().code() == Status::Code::kNotFound) {
        shards.Finished(shard.id);  // gone (older than 24 hours)
        positions.erase(shard.id);
        return size_t{0};
      }
      return r.status();
    }
    size_t n = 0;
    if (const json::value* records = r->if_contains("Records"); records && records->is_array()) {
      for (const json::value& v : records->get_array()) {
        VDPARK_ASSIGN_OR_RETURN(StreamRecord record, ParseRecord(v));
        p.last_sequence = record.sequence_number;
        on_record(record);
        ++stats.records;
        ++n;
      }
    }
    p.iterator = StringIn(*r, "NextShardIterator");
    if (p.iterator.empty()) {  // the shard is closed and read to its end
      shards.Finished(shard.id);
      positions.erase(shard.id);
      ++stats.shards_finished;
      next_describe = Clock::now();  // its children are there to read
    }
    return n;
  }

  // Waits `d`; false when stopping.
  bool Pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mu);
    return !cv.wait_for(lock, d, [this] { return stopping; });
  }

  void Run() {
    for (;;) {
      size_t read = 0;
      Status s = Status::OK();
      if (Clock::now() >= next_describe) s = Describe();
      for (const StreamShards::Readable& shard : shards.ReadableNow()) {
        if (!s.ok()) break;
        Result<size_t> n = ReadShard(shard);
        if (n.ok()) {
          read += *n;
        } else {
          s = n.status();
        }
      }
      if (!s.ok()) {
        ++stats.errors;
        backoff = std::min(options.max_backoff, std::max(options.poll_every, backoff * 2));
        spdlog::warn("stream {}: {} (trying again in {} ms)", arn, s.ToString(), backoff.count());
        if (!Pause(backoff)) return;
        continue;
      }
      backoff = std::chrono::milliseconds(0);
      if (read == 0 && !Pause(options.poll_every)) return;
      if (read != 0) {
        std::lock_guard lock(mu);
        if (stopping) return;
      }
    }
  }
};

Result<std::unique_ptr<TableStreamReader>> TableStreamReader::Start(
    DynamoDbClient& client, std::string stream_arn, TableStreamReaderOptions options,
    OnRecord on_record) {
  auto impl = std::make_unique<Impl>(client, std::move(stream_arn), options, std::move(on_record));
  VDPARK_RETURN_IF_ERROR(impl->Describe().WithContext("stream " + impl->arn));
  // The open shards' newest positions, taken now: what is written after Start returns is read.
  for (const StreamShards::Readable& shard : impl->shards.ReadableNow()) {
    VDPARK_RETURN_IF_ERROR(impl->NewIterator(shard.id, shard.start, &impl->positions[shard.id])
                               .WithContext("stream " + impl->arn));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<TableStreamReader>(new TableStreamReader(std::move(impl)));
}

TableStreamReader::TableStreamReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TableStreamReader::~TableStreamReader() {
  Stop();
}

void TableStreamReader::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

const TableStreamReaderStats& TableStreamReader::stats() const {
  return impl_->stats;
}

}  // namespace vdpark
