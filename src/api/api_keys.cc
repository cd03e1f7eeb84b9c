#include "api/api_keys.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace vdpark {

namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !IsBlank(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool Printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

Result<ApiKeys> ApiKeys::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot read the API key file");
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

Result<ApiKeys> ApiKeys::Parse(std::string_view text, std::string_view name) {
  ApiKeys keys;
  std::unordered_map<std::string, size_t> first_line;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const std::vector<std::string_view> fields = Fields(line);
    if (fields.empty() || fields[0].starts_with('#')) continue;
    const std::string where = std::string(name) + ":" + std::to_string(line_number) + ": ";
    if (fields.size() != 2) {
      return Status::InvalidArgument(where +
                                     "expected 'KEY TENANT' (TENANT '*' for all "
                                     "tenants), found " +
                                     std::to_string(fields.size()) + " fields");
    }
    if (!Printable(fields[0]) || !Printable(fields[1])) {
      return Status::InvalidArgument(where + "a key and a tenant are printable ASCII");
    }
    std::string key(fields[0]);
    if (auto seen = first_line.find(key); seen != first_line.end()) {
      return Status::InvalidArgument(where + "the key was given already on line " +
                                     std::to_string(seen->second));
    }
    first_line.emplace(key, line_number);
    keys.tenants_.emplace(std::move(key), std::string(fields[1]));
  }
  if (keys.tenants_.empty()) {
    // An empty key file most likely means a mistake; serving without keys is asked for by giving
    // no file at all.
    return Status::InvalidArgument(std::string(name) + ": no API key in the file");
  }
  return keys;
}

std::optional<Caller> ApiKeys::Authenticate(std::string_view key) const {
  if (tenants_.empty()) return Caller{};
  auto it = tenants_.find(std::string(key));
  if (key.empty() || it == tenants_.end()) return std::nullopt;
  if (it->second == kAllTenants) return Caller{};
  return Caller{it->second};
}

}  // namespace vdpark
