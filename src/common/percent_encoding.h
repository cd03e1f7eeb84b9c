// %-encoding of URL parts (RFC 3986), shared by every URL the program reads or writes: the
// API's paths and queries, the MQTT broker's user, password and parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vdpark {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`); nullopt when an escape is broken.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// Encodes everything but unreserved characters (RFC 3986: letters, digits, -._~).
std::string PercentEncode(std::string_view text);
// Encodes only what would end a query value or change its meaning ('%', '&', '#', '=', '+', '?',
// blanks, controls and bytes past ASCII), so that a URL shown inside a value stays readable
// ("endpoint=http://host:8000" keeps its "://" and ':').
std::string PercentEncodeQueryValue(std::string_view text);

}  // namespace vdpark
