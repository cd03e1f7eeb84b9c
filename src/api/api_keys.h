// API keys (SPEC §5 "Access"): which tenant an X-Api-Key speaks for.
//
// The key file has one key per line, "KEY TENANT", separated by blanks; TENANT "*" makes an
// operator key that sees every tenant. Blank lines and lines starting with '#' are skipped. With
// no key file there are no keys and no request needs one: the server then listens on loopback
// only (HttpServer enforces it).
//
// Keys are kept as SHA-256 digests only, and a key asked about is compared with every digest in
// constant time (CRYPTO_memcmp, no early exit), so that the time an answer takes says nothing
// about how much of a key was right.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace vdpark {

// Who is asking: a tenant, or an operator who sees all of them.
struct Caller {
  std::optional<std::string> tenant;  // nullopt: an operator ("*" key, or no keys configured)

  bool operator_access() const { return !tenant.has_value(); }
  // Whether a record of `tenant_id` is visible: an operator sees all, a tenant only its own (a
  // zone without a tenant belongs to operators only).
  bool Sees(const std::optional<std::string>& tenant_id) const {
    return !tenant || (tenant_id && *tenant_id == *tenant);
  }
};

class ApiKeys {
 public:
  static constexpr std::string_view kAllTenants = "*";

  ApiKeys() = default;  // no keys: every request is let in as an operator

  // Reads the key file at `path`. kNotFound when it cannot be read; kInvalidArgument naming
  // "path:line" for a line that is not "KEY TENANT", a key given twice, or a file with no key.
  // Logs a warning when the file may be read by its group or others (PermissionWarning).
  static Result<ApiKeys> Load(const std::string& path);
  // The warning for the key file at `path` when its group or others may read or write it (the
  // keys are secrets: chmod 600); nullopt when only its owner may, or it cannot be looked at.
  static std::optional<std::string> PermissionWarning(const std::string& path);
  // The same for text already read; `name` is the file name used in errors.
  static Result<ApiKeys> Parse(std::string_view text, std::string_view name);

  // True when no keys are configured: no request needs one.
  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

  // The caller `key` speaks for; nullopt when the key is unknown (or empty). With no keys
  // configured every request (with or without a key) is an operator. Takes the same time for
  // every key of the same length, known or not.
  std::optional<Caller> Authenticate(std::string_view key) const;

 private:
  using Digest = std::array<unsigned char, 32>;  // SHA-256
  static Digest DigestOf(std::string_view key);
  struct Key {
    Digest digest;
    std::string tenant;  // "*" for operators
  };
  std::vector<Key> keys_;
};

}  // namespace vdpark
