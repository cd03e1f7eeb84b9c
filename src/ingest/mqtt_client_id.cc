#include "ingest/mqtt_client_id.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

namespace vdpark {

namespace {

constexpr int kMaxSlots = 1000;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string FirstLine(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

std::string DefaultStateDir() {
  if (std::string d = Env("VDPARK_STATE_DIR"); !d.empty()) return d;
  if (std::string d = Env("XDG_STATE_HOME"); !d.empty()) return d + "/vdpark";
  std::string home = Env("HOME");
  if (home.empty()) {
    // A service started without HOME (systemd sets none for a system service without User=).
    const passwd* pw = getpwuid(getuid());
    if (pw != nullptr && pw->pw_dir != nullptr) home = pw->pw_dir;
  }
  return home.empty() ? "" : home + "/.local/state/vdpark";
}

std::string StableHash(std::string_view text, int hex_digits) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // One-shot EVP_Digest: not deprecated in OpenSSL 3, cannot fail for SHA-256.
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length && static_cast<int>(out.size()) < hex_digits; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  out.resize(std::min<size_t>(out.size(), static_cast<size_t>(std::max(hex_digits, 0))));
  return out;
}

std::string MachineTag() {
  std::string machine_id = FirstLine("/etc/machine-id");
  if (machine_id.empty()) machine_id = FirstLine("/var/lib/dbus/machine-id");
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return StableHash(machine_id + "|" + host, 6);
}

ClientIdLease::ClientIdLease(ClientIdLease&& other) noexcept
    : client_id_(std::move(other.client_id_)),
      slot_(other.slot_),
      lock_file_(std::move(other.lock_file_)),
      fd_(std::exchange(other.fd_, -1)) {}

ClientIdLease& ClientIdLease::operator=(ClientIdLease&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    client_id_ = std::move(other.client_id_);
    slot_ = other.slot_;
    lock_file_ = std::move(other.lock_file_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ClientIdLease::~ClientIdLease() {
  if (fd_ >= 0) close(fd_);  // drops the flock: the slot is free again
}

Result<ClientIdLease> LeaseClientId(std::string_view prefix, const std::string& machine,
                                    const std::string& state_dir) {
  if (state_dir.empty()) {
    return Status::InvalidArgument(
        "no folder to keep MQTT client id locks in: set VDPARK_STATE_DIR (or HOME), or give "
        "--client-id");
  }
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    return Status::InvalidArgument("state folder '" + state_dir +
                                   "' (VDPARK_STATE_DIR): " + ec.message());
  }
  const std::string base = std::string(prefix) + "-" + machine + "-";
  for (int slot = 0; slot < kMaxSlots; ++slot) {
    const std::string id = base + std::to_string(slot);
    const std::string path = state_dir + "/mqtt-client-" + id + ".lock";
    // O_CLOEXEC: a child process must not keep the slot after this one ends.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Status::InvalidArgument("client id lock '" + path +
                                     "' (VDPARK_STATE_DIR): " + std::strerror(errno));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return ClientIdLease(id, slot, path, fd);
    const int err = errno;
    close(fd);
    if (err != EWOULDBLOCK) {
      return Status::InvalidArgument("client id lock '" + path + "': " + std::strerror(err));
    }
  }
  return Status::Unavailable("every one of " + std::to_string(kMaxSlots) + " client id slots " +
                             base + "N in '" + state_dir + "' is held by a running process");
}

}  // namespace vdpark
