#include "common/redact_url.h"

#include <algorithm>
#include <array>

#include "common/percent_encoding.h"

namespace vdpark {

namespace {

constexpr std::string_view kMask = "***";

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsSchemeChar(char c) {
  return IsAlpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

// The length of the scheme `text` starts with (RFC 3986: a letter, then letters, digits, '+',
// '-', '.'), followed by ':'; 0 when it starts with none.
size_t SchemeLength(std::string_view text) {
  if (text.empty() || !IsAlpha(text[0])) return 0;
  size_t n = 1;
  while (n < text.size() && IsSchemeChar(text[n])) ++n;
  return n < text.size() && text[n] == ':' ? n : 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded where it is a valid escape, kept as written where it is not: a URL nested in a
// broken query value is still found (common/percent_encoding.h refuses the whole value).
std::string LenientDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

bool IsSecretName(std::string_view raw_name) {
  std::string name = LenientDecode(raw_name);
  for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  static constexpr std::array<std::string_view, 9> kSecretWords = {
      "pass", "pwd", "secret", "token", "signature", "credential", "apikey", "api_key", "api-key"};
  for (std::string_view word : kSecretWords) {
    if (name.find(word) != std::string::npos) return true;
  }
  return name == "sig";
}

// One "name=value" of a query, redacted.
void AppendQueryParameter(std::string_view param, std::string& out) {
  const size_t eq = param.find('=');
  if (eq == std::string_view::npos) {
    out += param;
    return;
  }
  const std::string_view name = param.substr(0, eq), value = param.substr(eq + 1);
  out += param.substr(0, eq + 1);
  if (IsSecretName(name)) {
    out += value.empty() ? "" : kMask;
  } else if (value.find("://") != std::string_view::npos) {
    out += RedactUrl(value);
  } else if (std::string decoded = LenientDecode(value); decoded.find("://") != std::string::npos) {
    std::string redacted = RedactUrl(decoded);
    out += redacted == decoded ? std::string(value) : PercentEncodeQueryValue(redacted);
  } else {
    out += value;
  }
}

// Where a URL found in free text at `start` ends (RedactUrlsIn's rule).
size_t UrlEnd(std::string_view text, size_t start) {
  size_t end = start;
  while (end < text.size()) {
    const auto u = static_cast<unsigned char>(text[end]);
    if (u <= 0x20 || u == 0x7f || u == '"' || u == '\'' || u == '`' || u == '<' || u == '>') break;
    ++end;
  }
  while (end > start) {
    const char c = text[end - 1];
    if (c != '.' && c != ',' && c != ';' && c != ':' && c != ')' && c != ']') break;
    --end;
  }
  return end;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  const size_t scheme = SchemeLength(url);
  const bool hierarchical = scheme > 0 && url.substr(scheme + 1).starts_with("//");
  const size_t authority = hierarchical ? scheme + 3 : 0;
  std::string out(url.substr(0, authority));
  std::string_view rest = url.substr(authority);
  // The userinfo ends at the last '@' before a nested URL: "T?endpoint=http://u:p@h" has none
  // of its own. Without "//" ("user:pw@host", the scheme left out) it is there only when it
  // has no '/' or '?': "csv:/tmp/a@b" is a folder.
  const size_t at = rest.substr(0, rest.find("://")).rfind('@');
  if (at != std::string_view::npos &&
      (hierarchical || rest.substr(0, at).find_first_of("/?") == std::string_view::npos)) {
    const std::string_view userinfo = rest.substr(0, at);
    const size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos && colon + 1 < userinfo.size()) {
      out += userinfo.substr(0, colon + 1);
      out += kMask;
    } else {
      out += userinfo;
    }
    out += '@';
    rest.remove_prefix(at + 1);
  }
  const size_t question = rest.find('?');
  out += rest.substr(0, question);
  if (question == std::string_view::npos) return out;
  out += '?';
  std::string_view query = rest.substr(question + 1);
  for (;;) {
    const size_t amp = query.find('&');
    AppendQueryParameter(query.substr(0, amp), out);
    if (amp == std::string_view::npos) break;
    out += '&';
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string RedactUrlsIn(std::string_view text) {
  std::string out;
  size_t copied = 0, from = 0;
  for (size_t sep; (sep = text.find("://", from)) != std::string_view::npos;) {
    size_t start = sep;
    while (start > copied && IsSchemeChar(text[start - 1])) --start;
    while (start < sep && !IsAlpha(text[start])) ++start;
    if (start == sep) {
      from = sep + 3;
      continue;
    }
    const size_t end = UrlEnd(text, sep + 3);
    out += text.substr(copied, start - copied);
    out += RedactUrl(text.substr(start, end - start));
    copied = end;
    from = std::max(end, sep + 3);
  }
  out += text.substr(copied);
  return out;
}

}  // namespace vdpark
