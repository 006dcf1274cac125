#include "report.h"

#include <cstdio>
#include <string>

#include "ckernel/json/json_text.h"

namespace ck::bench {
namespace {

double share(double value, double limit) { return limit > 0 ? value / limit : 0; }

std::string json_samples(const Samples& s) {
  std::string out = "[";
  for (double x : s.tokens_per_second) out += (out.size() > 1 ? ", " : "") + std::to_string(x);
  return out + "]";
}

}  // namespace

double decode_gbs(const RunDescription& run, const ThreadResult& r) {
  return static_cast<double>(run.weight_bytes_per_token) * r.throughput.generation.mean() / 1e9;
}

double prefill_gflops(const RunDescription& run, const ThreadResult& r) {
  return 2.0 * static_cast<double>(run.matmul_parameters) * r.throughput.prompt.mean() / 1e9;
}

void print_table(const RunDescription& run, const std::vector<ThreadResult>& results) {
  std::printf("model: %s (%s), %.1f MB of weights per token, %.1f M parameters in matrix products\n",
              run.model_name.c_str(), run.model_path.c_str(), run.weight_bytes_per_token / 1e6,
              run.matmul_parameters / 1e6);
  std::printf("isa: %s; weights: %s; session memory: %s; limits: %s\n", run.isa.c_str(),
              run.weight_placement.c_str(), run.session_memory.c_str(), run.limits_source.c_str());
  std::printf("kernel tuning: %s\n\n", run.tuning_summary.c_str());
  std::printf("| threads | test | tok/s | derived | share of limit |\n|---:|---|---:|---:|---:|\n");
  for (const ThreadResult& r : results) {
    if (run.n_prompt > 0)
      std::printf("| %d | pp%lld | %.2f ± %.2f | %.1f GFLOP/s | %.1f%% of %.0f GFLOP/s fp32 |\n", r.threads,
                  static_cast<long long>(run.n_prompt), r.throughput.prompt.mean(),
                  r.throughput.prompt.stddev(), prefill_gflops(run, r),
                  100 * share(prefill_gflops(run, r), r.limits.fp32_gflops), r.limits.fp32_gflops);
    if (run.n_gen > 0)
      std::printf("| %d | tg%lld | %.2f ± %.2f | %.1f GB/s | %.1f%% of %.1f GB/s read |\n", r.threads,
                  static_cast<long long>(run.n_gen), r.throughput.generation.mean(),
                  r.throughput.generation.stddev(), decode_gbs(run, r),
                  100 * share(decode_gbs(run, r), r.limits.read_gbs), r.limits.read_gbs);
  }
}

void print_json(const RunDescription& run, const std::vector<ThreadResult>& results) {
  std::printf(
      "{\"model\": %s, \"model_name\": %s, \"weight_bytes_per_token\": %llu, \"matmul_parameters\": %llu,\n",
      json_quote(run.model_path).c_str(), json_quote(run.model_name).c_str(),
      static_cast<unsigned long long>(run.weight_bytes_per_token),
      static_cast<unsigned long long>(run.matmul_parameters));
  std::printf(" \"isa\": %s, \"weight_placement\": %s, \"session_memory\": %s, \"limits_source\": %s,\n",
              json_quote(run.isa).c_str(), json_quote(run.weight_placement).c_str(),
              json_quote(run.session_memory).c_str(), json_quote(run.limits_source).c_str());
  std::printf(" \"tuning\": %s,\n", run.tuning_json.c_str());
  std::printf(" \"n_prompt\": %lld, \"n_gen\": %lld, \"repetitions\": %d,\n \"results\": [",
              static_cast<long long>(run.n_prompt), static_cast<long long>(run.n_gen), run.repetitions);
  for (size_t i = 0; i < results.size(); ++i) {
    const ThreadResult& r = results[i];
    const Throughput& t = r.throughput;
    std::printf(
        "%s\n  {\"threads\": %d, \"pp_tok_s\": %.4f, \"pp_tok_s_stddev\": %.4f, \"pp_samples\": %s,\n",
        i ? "," : "", r.threads, t.prompt.mean(), t.prompt.stddev(), json_samples(t.prompt).c_str());
    std::printf("   \"tg_tok_s\": %.4f, \"tg_tok_s_stddev\": %.4f, \"tg_samples\": %s,\n",
                t.generation.mean(), t.generation.stddev(), json_samples(t.generation).c_str());
    std::printf(
        "   \"pp_gflops\": %.3f, \"pp_share_of_fp32_peak\": %.4f, \"tg_gbs\": %.3f, \"tg_share_of_read_bw\": "
        "%.4f,\n",
        prefill_gflops(run, r), share(prefill_gflops(run, r), r.limits.fp32_gflops), decode_gbs(run, r),
        share(decode_gbs(run, r), r.limits.read_gbs));
    std::printf("   \"limits\": {\"read_gbs\": %.3f, \"fp32_gflops\": %.3f, \"int8_gops\": %.3f}}",
                r.limits.read_gbs, r.limits.fp32_gflops, r.limits.int8_gops);
  }
  std::printf("\n ]}\n");
}

}  // namespace ck::bench
