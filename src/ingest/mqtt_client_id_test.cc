#include "ingest/mqtt_client_id.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace vdpark {
namespace {

std::string TempStateDir() {
  char pattern[] = "/tmp/vdpark-client-id-XXXXXX";
  const char* made = mkdtemp(pattern);
  EXPECT_NE(made, nullptr);
  return std::string(made) + "/state";  // not there yet: LeaseClientId makes it
}

TEST(MqttClientId, ProcessesAliveAtOnceGetDistinctIdsAndARestartGetsItsOwnBack) {
  const std::string dir = TempStateDir();
  auto first = LeaseClientId("vdpark-serve-0123abcd", "9f8e7d", dir);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->client_id(), "vdpark-serve-0123abcd-9f8e7d-0");
  EXPECT_TRUE(std::filesystem::exists(first->lock_file()));
  auto second = LeaseClientId("vdpark-serve-0123abcd", "9f8e7d", dir);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->client_id(), "vdpark-serve-0123abcd-9f8e7d-1");
  // Another prefix (store, group) has slots of its own.
  auto other = LeaseClientId("vdpark-serve-ffff0000", "9f8e7d", dir);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->slot(), 0);
  // The first one ends and starts again: it gets slot 0 back, not a third one.
  { auto gone = std::move(*first); }
  auto restarted = LeaseClientId("vdpark-serve-0123abcd", "9f8e7d", dir);
  ASSERT_TRUE(restarted.ok());
  EXPECT_EQ(restarted->client_id(), "vdpark-serve-0123abcd-9f8e7d-0");
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST(MqttClientId, ASlotHeldByAnotherProcessIsSkippedAndFreedWhenItIsKilled) {
  const std::string dir = TempStateDir();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  if (child == 0) {
    auto lease = LeaseClientId("p", "m", dir);
    char c = lease.ok() && lease->slot() == 0 ? 'y' : 'n';
    (void)!write(ready[1], &c, 1);
    pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  auto mine = LeaseClientId("p", "m", dir);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->client_id(), "p-m-1");
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  auto after = LeaseClientId("p", "m", dir);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->client_id(), "p-m-0");  // the kernel dropped the killed process's lock
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST(MqttClientId, AFolderThatCannotBeMadeIsNamed) {
  auto lease = LeaseClientId("p", "m", "/proc/no-such/state");
  ASSERT_FALSE(lease.ok());
  EXPECT_TRUE(lease.status().IsInvalidArgument());
  EXPECT_NE(lease.status().message().find("/proc/no-such/state"), std::string::npos);
  EXPECT_FALSE(LeaseClientId("p", "m", "").ok());
}

TEST(MqttClientId, StateDirFollowsTheVariablesInOrder) {
  std::map<std::string, std::optional<std::string>> kept;
  for (const char* v : {"VDPARK_STATE_DIR", "XDG_STATE_HOME", "HOME"}) {
    const char* value = std::getenv(v);
    kept[v] = value ? std::optional<std::string>(value) : std::nullopt;
  }
  setenv("VDPARK_STATE_DIR", "/a", 1);
  setenv("XDG_STATE_HOME", "/b", 1);
  setenv("HOME", "/c", 1);
  EXPECT_EQ(DefaultStateDir(), "/a");
  unsetenv("VDPARK_STATE_DIR");
  EXPECT_EQ(DefaultStateDir(), "/b/vdpark");
  unsetenv("XDG_STATE_HOME");
  EXPECT_EQ(DefaultStateDir(), "/c/.local/state/vdpark");
  for (const auto& [name, value] : kept) {
    if (value) {
      setenv(name.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
}

TEST(MqttClientId, HashesAreStableAndShort) {
  // SHA-256("abc") begins ba7816bf: the same on every build and machine.
  EXPECT_EQ(StableHash("abc", 8), "ba7816bf");
  EXPECT_EQ(StableHash("abc", 3), "ba7");
  EXPECT_EQ(MachineTag().size(), 6u);
  EXPECT_EQ(MachineTag(), MachineTag());
}

}  // namespace
}  // namespace vdpark
