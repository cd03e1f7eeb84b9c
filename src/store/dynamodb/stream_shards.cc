#include "store/dynamodb/stream_shards.h"

#include <algorithm>

namespace vdpark {

void StreamShards::Described(const std::vector<ShardInfo>& shards) {
  const bool first = !described_;
  described_ = true;
  for (const ShardInfo& s : shards) {
    if (shards_.contains(s.id)) continue;
    Shard shard{s.parent_id, first ? Start::kLatest : Start::kTrimHorizon, State::kReading,
                shards_.size()};
    // History is not told: what closed before the first look is passed over.
    if (first && s.closed) shard.state = State::kSkipped;
    shards_.emplace(s.id, std::move(shard));
  }
}

bool StreamShards::ParentDone(const Shard& s) const {
  if (s.parent_id.empty()) return true;
  auto parent = shards_.find(s.parent_id);
  return parent == shards_.end() || parent->second.state != State::kReading;
}

std::vector<StreamShards::Readable> StreamShards::ReadableNow() const {
  std::vector<std::pair<size_t, Readable>> out;
  for (const auto& [id, s] : shards_) {
    if (s.state == State::kReading && ParentDone(s)) out.push_back({s.order, {id, s.start}});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Readable> readable;
  for (auto& [order, r] : out) readable.push_back(std::move(r));
  return readable;
}

void StreamShards::Finished(const std::string& id) {
  if (auto it = shards_.find(id); it != shards_.end()) it->second.state = State::kFinished;
}

size_t StreamShards::finished() const {
  return static_cast<size_t>(std::count_if(shards_.begin(), shards_.end(), [](const auto& s) {
    return s.second.state == State::kFinished;
  }));
}

}  // namespace vdpark
