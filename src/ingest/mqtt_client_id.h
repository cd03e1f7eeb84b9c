// A default MQTT client id that no two processes share and that each process keeps across its own
// restarts, so that the broker finds its persistent session (with what it has not acknowledged)
// again, and two processes started the same way never take each other's session over.
//
// The id is "<prefix>-<machine>-<slot>":
//  - <prefix> names what the process does ("vdpark-serve-" and a hash of its store and group);
//  - <machine> is MachineTag(): 6 hex digits of a hash of /etc/machine-id and the host name, so
//    processes on two machines differ (the host name tells apart containers that share an
//    image's machine-id);
//  - <slot> is the lowest N for which the process holds an exclusive flock(2) on
//    "<state dir>/mqtt-client-<prefix>-<machine>-<N>.lock" for its whole life. A second process
//    started alongside takes the next N; a restart, the first free one again, which is its own
//    as long as processes are stopped and started one at a time. The kernel drops the lock when
//    the process ends, however it ends (SIGKILL too); the files stay, empty.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace vdpark {

// $VDPARK_STATE_DIR, else $XDG_STATE_HOME/vdpark, else $HOME/.local/state/vdpark ($HOME, or the
// user's home directory from the password database when unset); "" when none is known.
std::string DefaultStateDir();

// 6 lower-case hex digits of SHA-256 over /etc/machine-id and the host name (either may be
// missing); the same on every call on one machine.
std::string MachineTag();

// `hex_digits` (at most 64) lower-case hex digits of SHA-256 of `text`: stable across builds,
// compilers and machines, unlike std::hash.
std::string StableHash(std::string_view text, int hex_digits);

// A client id slot held until the object goes (its lock file's descriptor closes). Move-only.
class ClientIdLease {
 public:
  ClientIdLease(ClientIdLease&& other) noexcept;
  ClientIdLease& operator=(ClientIdLease&& other) noexcept;
  ~ClientIdLease();

  const std::string& client_id() const { return client_id_; }
  int slot() const { return slot_; }
  const std::string& lock_file() const { return lock_file_; }

 private:
  friend Result<ClientIdLease> LeaseClientId(std::string_view, const std::string&,
                                             const std::string&);
  ClientIdLease(std::string client_id, int slot, std::string lock_file, int fd)
      : client_id_(std::move(client_id)), slot_(slot), lock_file_(std::move(lock_file)), fd_(fd) {}

  std::string client_id_;
  int slot_ = 0;
  std::string lock_file_;
  int fd_ = -1;
};

// Takes the lowest free slot for "<prefix>-<machine>" in `state_dir` (created with its parents
// when missing) and returns the lease on it. InvalidArgument naming the folder when it cannot be
// made or written, or when `state_dir` is "" (nowhere to keep it: give --client-id);
// Unavailable when 1,000 slots are all held. Never blocks on a lock another process holds.
Result<ClientIdLease> LeaseClientId(std::string_view prefix, const std::string& machine,
                                    const std::string& state_dir);

}  // namespace vdpark
