// ckbench's results, as a table for people (like llama-bench's) or one JSON object for scripts
// (scripts/plot-performance.py reads it).
#pragma once

#include <string>
#include <vector>

#include "machine_limits.h"
#include "throughput.h"

namespace ck::bench {

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
  // The kernel tuning the run used (engine/kernel_wisdom.h): describe() for the table, describe_json()
  // as JSON text.
  std::string tuning_summary = {};
  std::string tuning_json = {};
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
