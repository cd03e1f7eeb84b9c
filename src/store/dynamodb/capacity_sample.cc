#include "store/dynamodb/capacity_sample.h"

namespace vdpark {

bool CapacitySample::NextAsks() {
  std::lock_guard lock(mu_);
  return calls_++ % every_ == 0;
}

void CapacitySample::Observe(double reported, double estimated) {
  std::lock_guard lock(mu_);
  reported_ += reported;
  estimated_ += estimated;
}

double CapacitySample::Scaled(double estimated) const {
  std::lock_guard lock(mu_);
  // A figure of 0 against a positive estimate (every request a no-op) is still a figure.
  return estimated_ > 0 ? estimated * (reported_ / estimated_) : estimated;
}

}  // namespace vdpark
