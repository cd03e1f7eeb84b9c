// Random numbers for the generator that are the same on every platform and library version.
//
// std::mt19937_64 is portable but the std:: distributions are not (libstdc++ and libc++ turn the
// same bits into different normals), so the few distributions the generator needs are written
// here on top of xoshiro256**, seeded through SplitMix64. The transcendental functions come from
// the C library; glibc's are accurate to within an ulp, and every value the generator keeps is
// rounded to a microsecond or a cent, so output is byte-identical across the machines we build on.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace vdpark::generate {

// SplitMix64's finalizer: a good 64-bit mix, used to derive independent seeds and to hash keys.
inline constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A seed for stream `stream` (a bay, the metadata, ...) of the generator seeded with `seed`.
inline constexpr uint64_t StreamSeed(uint64_t seed, uint64_t domain, uint64_t stream) {
  return Mix64(Mix64(seed ^ Mix64(domain)) + stream);
}

// xoshiro256** (Blackman and Vigna): 32 bytes of state, fast, and statistically sound.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) {
    for (uint64_t& w : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      w = Mix64(seed);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [lo, hi], both ends included. Scaling 53 uniform bits: the bias for the
  // small ranges used here (under 2^32) is below 2^-20 and the result is exact in a double.
  int64_t Int(int64_t lo, int64_t hi) {
    const double span = static_cast<double>(hi - lo) + 1.0;
    const auto k = static_cast<int64_t>(Uniform() * span);
    return lo + (k > hi - lo ? hi - lo : k);
  }
  bool Chance(double p) { return Uniform() < p; }
  // Exp(1).
  double Exponential() { return -std::log1p(-Uniform()); }
  // Standard normal (Box-Muller, one of the pair: simplicity over speed).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]: log stays finite
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  // Lognormal with the given median and shape sigma.
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }

  // Picks an index with probability weights[i] / sum(weights).
  template <typename Weights>
  size_t Pick(const Weights& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    size_t i = 0;
    for (double w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return i - 1;  // rounding put x at the very end
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace vdpark::generate
