// Waiting in a test for something to happen (a server to listen, a message to arrive, a file to
// appear, a process to exit): poll the condition rather than sleep a guessed time, so that a test
// goes on the moment it holds and a slow machine only makes it slower, never red.
#pragma once

#include <chrono>
#include <thread>

namespace vdpark::testing {

// Calls `done` until it returns true, every `poll`, for at most `timeout`. True when it did; false
// when the time ran out (`done` was last asked after the deadline). The timeout only bounds the
// wait of a test that would otherwise hang: make it generous, and never use it to assert that
// something was fast.
template <typename Done>
bool WaitUntil(Done done, std::chrono::steady_clock::duration timeout,
               std::chrono::steady_clock::duration poll = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const bool late = std::chrono::steady_clock::now() >= deadline;
    if (done()) return true;
    if (late) return false;
    std::this_thread::sleep_for(poll);  // the polling interval
  }
}

}  // namespace vdpark::testing
