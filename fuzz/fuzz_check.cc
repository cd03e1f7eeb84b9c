#include "fuzz_check.h"

namespace vdpark::fuzz {

std::string Broken(const char* file, int line, std::string_view what) {
  std::string out = file;
  out += ':';
  out += std::to_string(line);
  out += ": ";
  out.append(what);
  return out;
}

}  // namespace vdpark::fuzz
