#include "ingest/intake_log.h"

#include <fmt/format.h>

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
  return std::unique_ptr<IntakeLog>(new IntakeLog(std::move(queue)));
}

Result<uint64_t> IntakeLog::Append(Timestamp received, std::string_view topic,
                                   std::string_view payload) {
  return queue_->Append(EncodeIntakeMessage(received, topic, payload), received);
}

Result<std::vector<IntakeMessage>> IntakeLog::Peek(size_t max) const {
  VDPARK_ASSIGN_OR_RETURN(std::vector<QueueEntry> entries, queue_->Peek(max));
  std::vector<IntakeMessage> out;
  out.reserve(entries.size());
  for (const QueueEntry& e : entries) {
    auto decoded = DecodeIntakeMessage(e.value);
    IntakeMessage m;
    if (decoded.ok()) {
      m = std::move(*decoded);
    } else {
      m.status =
          decoded.status().WithContext(fmt::format("{} entry {}", queue_->Name(), e.sequence));
    }
    m.sequence = e.sequence;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace vdpark
