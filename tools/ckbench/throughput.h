// llama-bench's two measurements on one model: prompt processing (pp: a prompt of n tokens evaluated as
// batches) and text generation (tg: n tokens evaluated one by one), each from an empty context, repeated
// after one unmeasured warm-up run.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ckernel/engine/memory.h"
#include "ckernel/engine/model.h"
#include "ckernel/kernels/llama_cpp_compat.h"

namespace ck::bench {

struct ThroughputOptions {
  int threads = 1;
  int64_t n_prompt = 128;
  int64_t n_gen = 64;
  int repetitions = 3;
  int64_t n_batch = kernels::llama_cpp::kPromptBatch;  // as llama-bench and llama.cpp
  std::shared_ptr<BufferAllocator> allocator;          // null: the default
};

struct Samples {
  std::vector<double> tokens_per_second;  // one per repetition
  double mean() const;
  double stddev() const;  // sample standard deviation; 0 for a single sample
};

struct Throughput {
  Samples prompt;      // empty when n_prompt == 0
  Samples generation;  // empty when n_gen == 0
};

// The context of the session each measurement runs in: room for the longer of the two tests.
int64_t session_context(const ThroughputOptions& options);

Throughput measure_throughput(std::shared_ptr<const Model> model, const ThroughputOptions& options);

}  // namespace ck::bench
