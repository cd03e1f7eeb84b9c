#include "scratch_dir.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

namespace vdpark::fuzz {

namespace {

namespace fs = std::filesystem;

struct ProcessDir {
  ProcessDir() {
    std::error_code ec;
    fs::path base = "/dev/shm";
    if (access(base.c_str(), W_OK) != 0) base = fs::temp_directory_path();
    path = base / ("vdpark-fuzz-" + std::to_string(getpid()));
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
