// ckbench's results, as a table for people (like llama-bench's) or one JSON object for scripts
// (scripts/plot-performance.py reads it).
#pragma once

#include <string>
#include <vector>

#include "machine_limits.h"
#include "throughput.h"

namespace ck::bench {

// What kernel tuning the run used (engine/kernel_wisdom.h), for the table and the JSON.
struct TuningDescription {
  std::string source;  // "wisdom" or "defaults"
  std::string reason;
  std::string path;
  std::string summary;  // describe(WisdomUse)
  uint64_t prefetch = 0;
  std::string hint;
  int64_t spin_us = 0;
  int decode_tile_rows = 0;  // 0: each kernel's own
  std::string isa;  // the tuning's level, "best" when it leaves the choice to the CPU
  bool weights_on_hugepages = false;
};

struct RunDescription {
  std::string model_path;
  std::string model_name;
  uint64_t weight_bytes_per_token = 0;  // weights read for one generated token (all but the embedding table)
  uint64_t matmul_parameters = 0;       // weights taking part in matrix products
  std::string isa;
  std::string weight_placement;
  std::string session_memory = {};  // filled in after the runs
  std::string limits_source;        // "measured" or "given"
  int64_t n_prompt = 0;
  int64_t n_gen = 0;
  int repetitions = 0;
  TuningDescription tuning = {};
};

struct ThreadResult {
  int threads = 0;
  MachineLimits limits;
  Throughput throughput;
};

// Derived rates: decode GB/s = weight bytes per token x tg tok/s; prefill GFLOP/s = 2 x parameters x pp
// tok/s.
double decode_gbs(const RunDescription& run, const ThreadResult& r);
double prefill_gflops(const RunDescription& run, const ThreadResult& r);

void print_table(const RunDescription& run, const std::vector<ThreadResult>& results);
void print_json(const RunDescription& run, const std::vector<ThreadResult>& results);

}  // namespace ck::bench
