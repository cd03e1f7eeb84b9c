// One log call, one line: values written into log lines (zone ids from URLs, device ids from
// MQTT payloads, store errors) cannot start a line of their own or carry terminal escapes.
#pragma once

#include <string>
#include <string_view>

namespace vdpark {

// Whether `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with what could break or forge a log line written as visible escapes:
//   - the control characters 0x00-0x1f and 0x7f: "\n", "\r", "\t", else "\xHH" ("\x1b");
//   - each byte that is not part of well-formed UTF-8: "\xHH";
//   - the C1 controls U+0080-U+009F and the line and paragraph separators U+2028, U+2029 (a
//     newline to some readers): "\u0085", "\u2028".
// Everything else, valid UTF-8 beyond ASCII included, is kept as it is. A '\' is not escaped:
// the result is for people reading logs, not for parsing back.
std::string EscapeForLog(std::string_view text);

}  // namespace vdpark
