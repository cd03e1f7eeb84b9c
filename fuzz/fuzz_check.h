// What the fuzz targets share: how an invariant is checked and reported, and the guard that turns
// an escaped exception into a broken invariant.
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace vdpark::fuzz {

// "FILE:LINE: what".
std::string Broken(const char* file, int line, std::string_view what);

// Runs `body` (returning "" or what broke); an exception that escapes it is a broken invariant.
template <typename Body>
std::string Guarded(std::string_view target, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::string what(target);
    what += ": an exception escaped: ";
    what += e.what();
    return what;
  } catch (...) {
    return std::string(target) + ": an exception of unknown type escaped";
  }
}

}  // namespace vdpark::fuzz

// Returns from the enclosing target with what broke when `cond` does not hold.
#define VDPARK_FUZZ_CHECK(cond, what)                                     \
  do {                                                                    \
    if (!(cond)) return ::vdpark::fuzz::Broken(__FILE__, __LINE__, what); \
  } while (0)
