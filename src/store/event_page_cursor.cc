#include "store/event_page_cursor.h"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <optional>
#include <string_view>

namespace vdpark {

namespace {

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.empty() || text.size() % 4 == 1) return std::nullopt;
  std::string in(text);
  for (char& c : in) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9')) {
      return std::nullopt;
    }
  }
  const size_t padding = (4 - in.size() % 4) % 4;
  in.append(padding, '=');
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0 || static_cast<size_t>(n) < padding) return std::nullopt;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

}  // namespace

std::string EncodeEventCursor(const ParkingEvent& last) {
  boost::json::object o;
  o["z"] = last.zone_id;
  o["b"] = last.bay_number;
  o["t"] = last.timestamp.ToIso();
  return Base64UrlEncode(boost::json::serialize(o));
}

Result<EventCursor> DecodeEventCursor(const EventQuery& query) {
  auto invalid = [](std::string_view why) {
    return Status::InvalidArgument("cursor: " + std::string(why) +
                                   " (pass the nextCursor of the previous page as it is)");
  };
  std::optional<std::string> json = Base64UrlDecode(query.cursor);
  if (!json) return invalid("not base64url");
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*json, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  const boost::json::value* z = o ? o->if_contains("z") : nullptr;
  const boost::json::value* b = o ? o->if_contains("b") : nullptr;
  const boost::json::value* t = o ? o->if_contains("t") : nullptr;
  if (!z || !b || !t || !z->is_string() || !b->is_string() || !t->is_string()) {
    return invalid("not a cursor of events");
  }
  if (z->as_string() != query.zone_id) return invalid("it continues another zone's events");
  if (query.bay_number && b->as_string() != *query.bay_number) {
    return invalid("it continues another bay's events");
  }
  auto ts = Timestamp::Parse(std::string_view(t->as_string()));
  if (!ts.ok()) return invalid("bad timestamp");
  return EventCursor{std::string(b->as_string()), *ts};
}

}  // namespace vdpark
