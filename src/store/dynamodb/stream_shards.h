// StreamShards: which shards of a DynamoDB Stream to read, and from where, as shards close and
// split. Pure bookkeeping (no calls), so that the rules can be tested without a server that
// splits shards (DynamoDB Local never does).
//
// DynamoDB Streams (Developer Guide, "Reading and processing a stream"): a shard holds the
// records of some partitions for a while, then closes (its EndingSequenceNumber is set) and its
// children take over; a parent must be read to its end before its children, or a key's changes
// come out of order. Shards are kept 24 hours.
//
// The rules: at the first description, open shards are read from their newest record (LATEST:
// history is not told) and closed ones not at all. A shard seen later is new since then: read
// from its oldest record (TRIM_HORIZON) once its parent is finished (or gone: trimmed, or never
// seen). A shard finishes when GetRecords says it has no more (no next iterator).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vdpark {

struct ShardInfo {
  std::string id;
  std::string parent_id;  // "" for none
  bool closed = false;    // has an EndingSequenceNumber
};

class StreamShards {
 public:
  enum class Start { kLatest, kTrimHorizon };
  struct Readable {
    std::string id;
    Start start;  // where to begin when the shard has no iterator yet
  };

  // A description of the stream (every page of DescribeStream): the first one starts the
  // bookkeeping as described above; later ones add the shards not seen before.
  void Described(const std::vector<ShardInfo>& shards);
  // The shards to read now, in the order they were first seen.
  std::vector<Readable> ReadableNow() const;
  // GetRecords said `id` has no more records.
  void Finished(const std::string& id);
  bool described() const { return described_; }
  size_t finished() const;

 private:
  enum class State { kReading, kFinished, kSkipped };
  struct Shard {
    std::string parent_id;
    Start start;
    State state;
    size_t order;
  };
  bool ParentDone(const Shard& s) const;

  bool described_ = false;
  std::map<std::string, Shard> shards_;
};

}  // namespace vdpark
