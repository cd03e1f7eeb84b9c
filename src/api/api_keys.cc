#include "api/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unordered_map>
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
  auto keys = Parse(text.str(), path);
  if (keys.ok()) {
    if (auto warning = PermissionWarning(path)) spdlog::warn("{}", *warning);
  }
  return keys;
}

std::optional<std::string> ApiKeys::PermissionWarning(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  const mode_t others = st.st_mode & (S_IRWXG | S_IRWXO);
  if (others == 0) return std::nullopt;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
  return path + ": the API key file is open to its group or others (mode " + mode +
         "); the keys are secrets: chmod 600 " + path;
}

ApiKeys::Digest ApiKeys::DigestOf(std::string_view key) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), d.data());
  return d;
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
    keys.keys_.push_back(Key{DigestOf(key), std::string(fields[1])});
  }
  if (keys.keys_.empty()) {
    // An empty key file most likely means a mistake; serving without keys is asked for by giving
    // no file at all.
    return Status::InvalidArgument(std::string(name) + ": no API key in the file");
  }
  return keys;
}

std::optional<Caller> ApiKeys::Authenticate(std::string_view key) const {
  if (keys_.empty()) return Caller{};
  const Digest asked = DigestOf(key);
  const Key* found = nullptr;
  for (const Key& k : keys_) {
    // Every digest compared in full, whichever matches: no early exit to time.
    const bool same = CRYPTO_memcmp(k.digest.data(), asked.data(), asked.size()) == 0;
    if (same) found = &k;
  }
  if (key.empty() || found == nullptr) return std::nullopt;
  if (found->tenant == kAllTenants) return Caller{};
  return Caller{found->tenant};
}

}  // namespace vdpark
