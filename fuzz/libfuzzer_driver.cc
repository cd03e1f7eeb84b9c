// The libFuzzer entry point of one target, chosen at compile time by VDPARK_FUZZ_TARGET (its
// function in fuzz_targets.h). A broken invariant is printed and aborts, which libFuzzer reports
// as a crash and saves the input of.
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string broken = vdpark::fuzz::VDPARK_FUZZ_TARGET(data, size);
  if (!broken.empty()) {
    std::fprintf(stderr, "broken invariant: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
