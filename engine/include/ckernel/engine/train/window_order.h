// The order in which a shuffled BatchSampler visits its windows, spelled out so that any implementation
// (a Python reference, another standard library) reproduces it bit for bit. std::shuffle and
// std::uniform_int_distribution are not used because their results differ between standard libraries.
//
//   SplitMix64 (Steele, Lea, Flood 2014), on a 64-bit state s, all arithmetic modulo 2^64:
//     next():  s += 0x9E3779B97F4A7C15; return mix64(s)
//     mix64(z): z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//               z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//               return z ^ (z >> 31)
//   uniform_below(bound), bound >= 1: threshold = (2^64 - bound) mod bound; draw r = next() until
//     r >= threshold (rejection, so every value is equally likely); return r mod bound.
//   epoch_window_order(n, seed, epoch): start the generator at s = mix64(mix64(seed) ^ epoch); take
//     order = [0, 1, ..., n-1]; for i = n-1 down to 1: j = uniform_below(i + 1), swap order[i] and
//     order[j] (Fisher-Yates). The result is a permutation of the windows 0..n-1.
#pragma once

#include <cstdint>
#include <vector>

namespace ck::train {

uint64_t mix64(uint64_t z);

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t next();
  uint64_t uniform_below(uint64_t bound);

 private:
  uint64_t state_;
};

std::vector<uint64_t> epoch_window_order(uint64_t n_windows, uint64_t seed, uint64_t epoch);

}  // namespace ck::train
