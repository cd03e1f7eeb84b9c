#include "ingest/error_message.h"

#include <openssl/evp.h>

#include <boost/json.hpp>

#include "common/log_escape.h"

namespace vdpark {

namespace {

// Boost.JSON writes a string's bytes as they are: text that is not valid UTF-8 would make the
// whole message invalid JSON.
boost::json::string_view AsUtf8(std::string_view text, std::string& escaped) {
  if (IsValidUtf8(text)) return text;
  escaped = EscapeForLog(text);
  return escaped;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Whether the kept part of `payload` is text: valid UTF-8, or, when the payload was cut, valid
// once a character the cut split is left out. `text` is then that part.
bool KeptAsText(std::string_view payload, bool truncated, std::string_view* text) {
  std::string_view kept = payload.substr(0, kErrorPayloadBytes);
  if (IsValidUtf8(kept)) {
    *text = kept;
    return true;
  }
  if (!truncated) return false;
  // A character of up to four bytes may straddle the cut: back off to its first byte.
  for (size_t back = 1; back <= 3 && back <= kept.size(); ++back) {
    std::string_view shorter = kept.substr(0, kept.size() - back);
    if ((static_cast<unsigned char>(kept[kept.size() - back]) & 0xc0) != 0x80 &&
        IsValidUtf8(shorter)) {
      *text = shorter;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string ErrorTopicMessage(std::string_view topic, std::string_view payload,
                              std::string_view reason, Timestamp received_at) {
  std::string topic_text, reason_text;
  const bool truncated = payload.size() > kErrorPayloadBytes;
  boost::json::object o;
  o["topic"] = AsUtf8(topic, topic_text);
  o["reason"] = AsUtf8(reason, reason_text);
  if (std::string_view text; KeptAsText(payload, truncated, &text)) {
    o["payload"] = text;
  } else {
    o["payloadBase64"] = Base64(payload.substr(0, kErrorPayloadBytes));
  }
  o["payloadBytes"] = payload.size();
  o["payloadTruncated"] = truncated;
  o["receivedAt"] = received_at.ToIso();
  return boost::json::serialize(o);
}

}  // namespace vdpark
