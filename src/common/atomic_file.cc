#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace vdpark {

namespace fs = std::filesystem;

namespace {

Status Errno(std::string_view what, const std::string& path) {
  std::string text(what);
  text += " ";
  text += path;
  text += ": ";
  text += std::strerror(errno);
  return Status::IOError(text);
}

Status WriteSynced(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", path);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("cannot write", path);
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = Errno("cannot sync", path);
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return Errno("cannot close", path);
  return Status::OK();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view text) {
  const fs::path file = fs::absolute(path);
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) {
    return Status::IOError("cannot create the folder " + file.parent_path().string() + ": " +
                           ec.message());
  }
  const std::string temp = file.string() + ".tmp";
  VDPARK_RETURN_IF_ERROR(WriteSynced(temp, text));
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    return Errno("cannot rename " + temp + " to", file.string());
  }
  // A rename is durable only once the folder's entry is.
  int dir = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("cannot open the folder", file.parent_path().string());
  const int rc = ::fsync(dir);
  ::close(dir);
  if (rc != 0) return Errno("cannot sync the folder", file.parent_path().string());
  return Status::OK();
}

}  // namespace vdpark
