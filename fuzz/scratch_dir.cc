#include "scratch_dir.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>

namespace vdpark::fuzz {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "vdpark-fuzz-";

// Removes the folders of processes that are gone: libFuzzer's children in fork mode, and a
// process that crashed, end without running destructors (13 GB of /dev/shm were left behind by
// one session's fuzzing).
void RemoveOrphans(const fs::path& base) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(kPrefix)) continue;
    const std::string pid = name.substr(kPrefix.size());
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code gone;
    if (fs::exists(fs::path("/proc") / pid, gone) || gone) continue;
    fs::remove_all(entry.path(), gone);
  }
}

struct ProcessDir {
  ProcessDir() {
    std::error_code ec;
    fs::path base = "/dev/shm";
    if (access(base.c_str(), W_OK) != 0) base = fs::temp_directory_path();
    RemoveOrphans(base);
    path = base / (std::string(kPrefix) + std::to_string(getpid()));
    fs::remove_all(path, ec);
    fs::create_directories(path);
  }
  ~ProcessDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

}  // namespace

std::string ScratchDir(const std::string& name) {
  static ProcessDir dir;
  fs::path p = dir.path / name;
  std::error_code ec;
  fs::remove_all(p, ec);
  fs::create_directories(p);
  return p.string();
}

void WriteWholeFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace vdpark::fuzz
