#include "ingest/intake_log.h"

#include <fmt/format.h>

#include <limits>
#include <utility>

namespace vdpark {

namespace {

constexpr uint8_t kFormat = 1;
constexpr size_t kHeader = 1 + 8 + 4;  // format, receive time, topic length

void PutBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetBigEndian(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

std::string EncodeIntakeMessage(Timestamp received, std::string_view topic,
                                std::string_view payload) {
  std::string out;
  out.reserve(kHeader + topic.size() + payload.size());
  out.push_back(static_cast<char>(kFormat));
  PutBigEndian(out, static_cast<uint64_t>(received.micros()), 8);
  PutBigEndian(out, topic.size(), 4);
  out += topic;
  out += payload;
  return out;
}

Result<IntakeMessage> DecodeIntakeMessage(std::string_view stored) {
  if (stored.size() < kHeader) return Status::Corruption("an entry shorter than its header");
  if (static_cast<uint8_t>(stored[0]) != kFormat) {
    return Status::Corruption(fmt::format("format version {} (this build reads {})",
                                          static_cast<uint8_t>(stored[0]), kFormat));
  }
  const uint64_t topic_size = GetBigEndian(stored.substr(9), 4);
  if (topic_size > stored.size() - kHeader) {
    return Status::Corruption("a topic longer than the entry");
  }
  IntakeMessage m;
  m.received = Timestamp::FromMicros(static_cast<int64_t>(GetBigEndian(stored.substr(1), 8)));
  m.topic = stored.substr(kHeader, topic_size);
  m.payload = stored.substr(kHeader + topic_size);
  return m;
}

Result<std::unique_ptr<IntakeLog>> IntakeLog::Open(const std::string& dir) {
  auto enqueued_of = [](std::string_view value) -> std::optional<Timestamp> {
    auto decoded = DecodeIntakeMessage(value);
    if (!decoded.ok()) return std::nullopt;
    return decoded->received;
  };
  VDPARK_ASSIGN_OR_RETURN(auto queue, DurableQueue::Open(dir, "intake log", enqueued_of));
  std::unique_ptr<IntakeLog> log(new IntakeLog(std::move(queue)));
  VDPARK_ASSIGN_OR_RETURN(std::vector<QueueEntry> left,
                          log->queue_->Peek(std::numeric_limits<size_t>::max()));
  for (QueueEntry& e : left) {
    auto decoded = DecodeIntakeMessage(e.value);
    IntakeMessage m;
    if (decoded.ok()) {
      m = std::move(*decoded);
    } else {
      m.status =
          decoded.status().WithContext(fmt::format("{} entry {}", log->queue_->Name(), e.sequence));
    }
    m.sequence = e.sequence;
    log->untaken_.push_back(std::move(m));
  }
  return log;
}

Result<uint64_t> IntakeLog::Append(Timestamp received, std::string_view topic,
                                   std::string_view payload) {
  VDPARK_ASSIGN_OR_RETURN(const uint64_t sequence,
                          queue_->Append(EncodeIntakeMessage(received, topic, payload), received));
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    untaken_.push_back(
        IntakeMessage{sequence, received, std::string(topic), std::string(payload), Status::OK()});
    wake = waiting_;
  }
  // Only a consumer that waits is woken: one that is busy takes this with the next batch.
  if (wake) taken_.notify_one();
  return sequence;
}

std::vector<IntakeMessage> IntakeLog::Take(size_t max, std::chrono::milliseconds wait) {
  std::vector<IntakeMessage> out;
  std::unique_lock lock(mu_);
  if (untaken_.empty() && !closed_) {
    waiting_ = true;
    taken_.wait_for(lock, wait, [this] { return !untaken_.empty() || closed_; });
    waiting_ = false;
  }
  while (!untaken_.empty() && out.size() < max) {
    out.push_back(std::move(untaken_.front()));
    untaken_.pop_front();
  }
  return out;
}

void IntakeLog::Close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  taken_.notify_all();
}

}  // namespace vdpark
