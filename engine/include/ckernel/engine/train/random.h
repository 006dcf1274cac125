// The seeded generator of training (weight initialisation, the data order, benchmark tokens), whose
// sequence is fixed by this file alone, not by a standard library's distributions (which differ between
// implementations), so that any implementation, a Python reference included, rebuilds it bit for bit:
//
//   SplitMix64 (Steele, Lea, Flood 2014), on a 64-bit state s, all arithmetic modulo 2^64:
//     next():  s += 0x9E3779B97F4A7C15; return mix64(s)
//     mix64(z): z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//               z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//               return z ^ (z >> 31)
//   uniform_below(bound), bound >= 1: threshold = (2^64 - bound) mod bound; draw r = next() until
//     r >= threshold (rejection, so every value is equally likely); return r mod bound.
//   uniform(): (next() >> 11) * 2^-53, in [0, 1).
//   normal(): Box-Muller on u1 = 1 - uniform(), u2 = uniform(): sqrt(-2 ln u1) cos(2 pi u2).
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>

namespace ck::train {

inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}

  uint64_t next() { return mix64(state_ += 0x9E3779B97F4A7C15ull); }

  uint64_t uniform_below(uint64_t bound) {
    if (bound == 0) throw std::invalid_argument("uniform_below: bound must be at least 1");
    // 2^64 mod bound values at the bottom of the range would make small results more likely; skip them.
    const uint64_t threshold = (0 - bound) % bound;
    for (;;)
      if (const uint64_t r = next(); r >= threshold) return r % bound;
  }

  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // One value per call; the Box-Muller partner is dropped so that the state stays one word.
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: the logarithm stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  uint64_t state() const { return state_; }

 private:
  uint64_t state_;
};

// The start of an independent stream (seed, stream), e.g. one per tensor, so that adding a tensor does not
// move the values of the others.
inline uint64_t derive_seed(uint64_t seed, uint64_t stream) { return mix64(mix64(seed) ^ stream); }

}  // namespace ck::train
