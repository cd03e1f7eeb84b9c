// Secrets out of URLs before they are printed, logged or returned: one rule for every store URL
// (postgres://, dynamodb://...?endpoint=), broker URL (mqtt://) and endpoint the program shows.
//
// Redaction goes by URL part, never by searching for the secret's text (a one-letter password
// would turn "extension" into "e***tension"):
//   - the password of the userinfo: "mqtt://user:PW@host" -> "mqtt://user:***@host"; a user
//     without a password and a URL without userinfo are left as they are. The userinfo ends at the
//     last '@' before any URL nested in the query (a broker password may hold '/', '?' and '@'
//     unencoded, as ParseMqttUrl reads it);
//   - the value of a query parameter whose name says it is a secret (case-insensitive, the name
//     holding "pass", "pwd", "secret", "token", "signature", "credential", "apikey", "api_key",
//     "api-key", or the name "sig"): "?password=PW" -> "?password=***",
//     "X-Amz-Signature=..." -> "X-Amz-Signature=***";
//   - URLs nested in query values, redacted by the same rules, whether written plainly
//     ("endpoint=http://u:PW@h") or %-encoded ("endpoint=http%3A%2F%2Fu%3APW%40h").
// An empty secret stays empty. Everything else is kept byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace vdpark {

// The URL with its secrets replaced by "***". `url` is taken whole as one URL: "scheme://...",
// "scheme:opaque?query", or one with its scheme left out ("user:pw@host" -> "user:***@host").
std::string RedactUrl(std::string_view url);

// `text` (an error message, a log line) with every URL in it redacted as RedactUrl does. A URL in
// text starts at its scheme ("letters://") and ends before white space, a control character, a
// quote (' " `), '<' or '>', or a '.', ',', ';', ':', ')' or ']' that ends the text or precedes
// one of those. Text outside URLs is never altered.
std::string RedactUrlsIn(std::string_view text);

}  // namespace vdpark
