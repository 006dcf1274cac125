// A small seeded generator whose sequence is fixed by this file alone (not by a standard library's
// distributions, which differ between implementations), so that an initialisation or a data order is
// the same on every machine and can be rebuilt from its seed.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace ck::train {

// SplitMix64 (Steele, Lea and Flood, 2014): one 64-bit state word, good enough statistics for
// initialisation and shuffling, and trivially saved in a checkpoint.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject).
  uint64_t below(uint64_t n) {
    for (;;) {
      const unsigned __int128 product = static_cast<unsigned __int128>(next()) * n;
      const uint64_t low = static_cast<uint64_t>(product);
      if (low >= n || low >= (0 - n) % n) return static_cast<uint64_t>(product >> 64);
    }
  }
  // Standard normal by Box-Muller (one value per call; the partner is dropped so the state is one word).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  uint64_t state() const { return state_; }

 private:
  uint64_t state_;
};

// An independent stream for (seed, stream): e.g. one per tensor, so that adding a tensor does not move
// the values of the others.
inline uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  SplitMix64 mix(seed ^ (stream * 0xD1B54A32D192ED03ull));
  return mix.next();
}

}  // namespace ck::train
