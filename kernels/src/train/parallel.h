// How the training ops split element-wise work among a pool's threads: into chunks whose bounds depend on
// the element count only, so that every element is computed by the same code whatever the thread count.
#pragma once

#include <cstdint>

#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels::train {

// A multiple of the 16 SIMD lanes, large enough that a chunk outweighs the cost of handing it out.
inline constexpr int64_t kElementChunk = 16384;

// Calls fn(begin, end) for the chunks [c * chunk, min(n, (c + 1) * chunk)) of [0, n), spread over the pool.
template <class Fn>
void for_each_chunk(ThreadPool& pool, int64_t n, int64_t chunk, Fn fn) {
  const int64_t n_chunks = (n + chunk - 1) / chunk;
  pool.parallel_for(n_chunks, [&](int64_t first, int64_t last) {
    for (int64_t c = first; c < last; ++c) fn(c * chunk, c + 1 == n_chunks ? n : (c + 1) * chunk);
  });
}

}  // namespace ck::kernels::train
