#include "kernel_probe.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

#include "ckernel/kernels/cpu_features.h"
#include "ckernel/kernels/isa_level.h"
#include "ckernel/kernels/kernel_tuning.h"
#include "ckernel/kernels/matmul.h"
#include "ckernel/kernels/quantize_weights.h"
#include "ckernel/kernels/thread_pool.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/hugepages.h"
#include "ckernel/tuning/memory_mapping.h"
#include "ckernel/tuning/topology.h"
#include "ckernel/tuning/units.h"

namespace ck::tuning::cktune {
namespace {

using Clock = std::chrono::steady_clock;
using kernels::IsaLevel;
using kernels::KernelTuning;
using kernels::PrefetchHint;
using kernels::TensorType;

constexpr std::uint64_t kHugePage = 2 * kMiB;
// Weights at least this large, and 4x the last-level cache, stream from memory whatever the caches.
constexpr std::uint64_t kMinWeightBytes = 192 * kMiB;
// A candidate replaces the default only when it scores this much better: two runs of one candidate on a
// quiet host differ by 1-2%.
constexpr double kHysteresis = 1.03;

// ---------------------------------------------------------------------------------------------------
// Synthetic weights: the layers of a 0.34B llama (embd 1024, 4 KV heads of 64, ffn 2816), as the sections
// a decode step multiplies: {q, k, v}, {o}, {gate, up}, {down}. The down projection (1024 x 2816) is taken
// as 2816 x 1024: the same bytes, and every product one width. Layers alternate between the two most
// common model files' mixes: Q8_0, and Q4_K_M as llama-quantize writes it, Q4_K with the value and down
// projections in Q6_K. Each type streams differently (on Zen 4, Q6_K decode ran at half speed with
// non-temporal prefetches and the others did not care), so a probe without one of them tunes for the
// wrong weights.

constexpr std::int64_t kWidth = 1024;
const std::vector<std::vector<std::int64_t>> kSectionRows = {{1024, 256, 256}, {1024}, {2816, 2816}, {2816}};

TensorType matrix_type(int layer, std::size_t section, std::size_t index) {
  if (layer % 2 == 0) return TensorType::q8_0;
  const bool value_or_down = (section == 0 && index == 2) || section == 3;
  return value_or_down ? TensorType::q6_k : TensorType::q4_k;
}

struct MatrixSlot {
  TensorType type;
  std::int64_t rows;
  std::size_t offset;
};

struct WeightLayout {
  std::vector<MatrixSlot> matrices;
  std::vector<std::vector<std::size_t>> sections;  // indices into matrices
  std::size_t bytes = 0;
};

WeightLayout plan_weights(std::uint64_t at_least) {
  WeightLayout layout;
  for (int layer = 0; layout.bytes < at_least; ++layer) {
    for (std::size_t s = 0; s < kSectionRows.size(); ++s) {
      std::vector<std::size_t> section;
      for (std::size_t i = 0; i < kSectionRows[s].size(); ++i) {
        const TensorType type = matrix_type(layer, s, i);
        section.push_back(layout.matrices.size());
        layout.matrices.push_back({type, kSectionRows[s][i], layout.bytes});
        layout.bytes += kernels::row_bytes(type, kWidth) * static_cast<std::size_t>(kSectionRows[s][i]);
      }
      layout.sections.push_back(std::move(section));
    }
  }
  return layout;
}

// Every matrix's rows cycle through a few rows of normal values quantized by the engine's own quantizers:
// finite products, as a real model's, and the speed of integer kernels does not depend on which values
// they multiply.
void fill_weights(const WeightLayout& layout, std::byte* base) {
  constexpr std::int64_t kDistinctRows = 8;
  std::mt19937_64 random(20261203);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> values(static_cast<std::size_t>(kDistinctRows * kWidth));
  for (float& v : values) v = normal(random);
  std::map<TensorType, std::vector<std::byte>> quantized_rows;  // per type, made at its first matrix
  for (const MatrixSlot& m : layout.matrices) {
    const std::size_t row = kernels::row_bytes(m.type, kWidth);
    auto [rows, first] = quantized_rows.try_emplace(m.type, row * kDistinctRows);
    if (first) kernels::quantize_weights(m.type, values, rows->second);
    for (std::int64_t r = 0; r < m.rows; ++r)
      std::memcpy(base + m.offset + static_cast<std::size_t>(r) * row,
                  rows->second.data() + static_cast<std::size_t>(r % kDistinctRows) * row, row);
  }
}

// 4 KiB pages, as a model file mapped from the page cache has (ckd without huge pages, ckbench's default).
MemoryMapping map_small_pages(std::size_t bytes) {
  void* address = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (address == MAP_FAILED) throw_errno("mmap", "synthetic weights");
  MemoryMapping mapping(address, bytes);
  // Without this, transparent huge pages would make the "no" candidate a huge page one.
  ::madvise(address, bytes, MADV_NOHUGEPAGE);
  return mapping;
}

std::optional<MemoryMapping> try_map_huge_pages(std::size_t bytes) {
  void* address =
      ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
  if (address == MAP_FAILED) return std::nullopt;
  return MemoryMapping(address, bytes);
}

// Weights in 2 MiB pages for the huge page candidate: from the pool's free pages, else (as root) from a
// reservation given back when this ends, as ckbench --memory hugepages and ckd do.
struct HugePageWeights {
  std::optional<HugePageReservation> reservation;  // declared first: outlives the mapping
  std::optional<MemoryMapping> memory;
  std::string note;
};

HugePageWeights map_huge_weights(std::size_t bytes) {
  HugePageWeights out;
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  const std::uint64_t pages = rounded / kHugePage;
  out.memory = try_map_huge_pages(rounded);
  if (out.memory) {
    out.note = std::to_string(pages) + " free 2 MiB pages of the pool";
    return out;
  }
  if (::geteuid() != 0) {
    out.note = "not measured: the pool has fewer than " + std::to_string(pages) +
               " free 2 MiB pages and only root may reserve more";
    return out;
  }
  try {
    const IdList nodes = nodes_with_memory();
    out.reservation.emplace(nodes.empty() ? 0 : nodes.ids()[0], kHugePage, pages);
  } catch (const TuningError& e) {
    out.note = std::string("not measured: ") + e.what();
    return out;
  }
  out.memory = try_map_huge_pages(rounded);
  if (!out.memory) {
    out.note = "not measured: " + out.reservation->summary() + ", too few for " + std::to_string(pages);
    out.reservation.reset();
    return out;
  }
  out.note = out.reservation->summary() + " for the measurement, given back after";
  return out;
}

// ---------------------------------------------------------------------------------------------------
// A decode step over one copy of the weights.

class DecodeStep {
 public:
  // Every section of the layout for one token (decode), or the first `sections` for `tokens` tokens (a
  // prefill's products, to weigh an instruction-set level's compute as well as its streaming).
  DecodeStep(const WeightLayout& layout, const std::byte* base, std::int64_t tokens = 1,
             std::size_t sections = SIZE_MAX)
      : tokens_(tokens), x_(static_cast<std::size_t>(kWidth * tokens), 0.5f) {
    for (std::size_t i = 0; i < x_.size(); ++i) x_[i] = static_cast<float>(i % 17) * 0.0625f - 0.5f;
    for (const std::vector<std::size_t>& section : layout.sections) {
      if (sections_.size() == sections) break;
      std::vector<kernels::MatmulOutput> outputs;
      for (const std::size_t index : section) {
        const MatrixSlot& m = layout.matrices[index];
        bytes_ += kernels::row_bytes(m.type, kWidth) * static_cast<std::size_t>(m.rows);
        flops_ += 2.0 * static_cast<double>(m.rows) * kWidth * static_cast<double>(tokens);
        outputs_memory_.emplace_back(static_cast<std::size_t>(m.rows * tokens));
        outputs.push_back({{base + m.offset, m.type, m.rows, kWidth, kernels::row_bytes(m.type, kWidth)},
                           outputs_memory_.back().data()});
      }
      sections_.push_back(std::move(outputs));
    }
  }

  std::size_t bytes() const { return bytes_; }
  double flops() const { return flops_; }

  // Every section, each followed by a little serial work on the calling thread (a real step's norms,
  // RoPE and attention of one token), during which the pool's other threads wait: that is where the spin
  // is decided.
  void run(kernels::ThreadPool& pool, kernels::MatmulScratch& scratch) {
    for (const std::vector<kernels::MatmulOutput>& section : sections_) {
      kernels::matmul_group(section, x_.data(), tokens_, pool, scratch);
      serial_work(section.front());
    }
  }

 private:
  void serial_work(const kernels::MatmulOutput& output) {
    float sum = 0;
    for (int repeat = 0; repeat < 4; ++repeat)
      for (std::int64_t i = 0; i < output.w.rows; ++i) sum += output.y[i] * output.y[i];
    sink_ = sink_ + sum;
  }

  std::int64_t tokens_;
  std::size_t bytes_ = 0;
  double flops_ = 0;
  std::vector<float> x_;
  std::vector<std::vector<float>> outputs_memory_;  // the outputs point into these (a move keeps them)
  std::vector<std::vector<kernels::MatmulOutput>> sections_;
  volatile float sink_ = 0;
};

// Decimal GB/s of weights over `steps` decode steps with a fresh pool (it reads the spin of the tuning in
// effect).
double decode_gbs(DecodeStep& step, int threads, int steps) {
  kernels::ThreadPool pool(threads);
  kernels::MatmulScratch scratch;
  const auto start = Clock::now();
  for (int i = 0; i < steps; ++i) step.run(pool, scratch);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(step.bytes()) * steps / seconds / 1e9;
}

// GFLOP/s of a prefill's products on one thread: compute, the weights in cache after the first pass.
double prefill_gflops(DecodeStep& step) {
  kernels::ThreadPool pool(1);
  kernels::MatmulScratch scratch;
  step.run(pool, scratch);  // warm: weights into cache, scratch sized
  const auto start = Clock::now();
  step.run(pool, scratch);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return step.flops() / seconds / 1e9;
}

struct Rates {
  double one = 0;      // decode, GB/s, 1 thread
  double n = 0;        // decode, GB/s, `threads` threads
  double prefill = 0;  // prefill GFLOP/s on 1 thread where measured (the instruction-set level), else 0
};

// ---------------------------------------------------------------------------------------------------
// One parameter: candidates measured in alternating rounds, medians, scores, the choice.

struct Candidate {
  std::string value;
  std::function<Rates()> measure;
};

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// Which candidate won (its index), and the record of all of them. `one_thread_counts`: false when the
// 1-thread rate cannot depend on the parameter (the spin of a pool of one thread, which never waits).
std::pair<std::size_t, ParameterMeasurement> measure_parameter(const std::string& name,
                                                               const std::vector<Candidate>& candidates,
                                                               std::size_t default_index, int rounds,
                                                               const KernelProbeOptions& options,
                                                               bool one_thread_counts = true) {
  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  say(name + ": " + std::to_string(candidates.size()) + " candidates x " + std::to_string(rounds) +
      " rounds");
  const std::size_t count = candidates.size();
  std::vector<std::vector<Rates>> samples(count);  // [candidate][round]
  for (int round = 0; round < rounds; ++round) {
    if (round > 0 && Clock::now() > options.deadline) {
      say(name + ": time limit: " + std::to_string(round) + " of " + std::to_string(rounds) + " rounds");
      break;
    }
    // A B C, then B C A, ...: no candidate always runs first, or right after the same one.
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t i = (k + static_cast<std::size_t>(round)) % count;
      samples[i].push_back(candidates[i].measure());
    }
  }
  // A candidate's score is the median over the rounds of its gain in each: the mean of its rates relative
  // to the default's in the same round (as scripts/compare-bench.py takes the median of per-round ratios),
  // which cancels the host's drift where it is slower than a round. Only measured rates count (0: not
  // measured, e.g. N threads on a host of one CPU, where halving every score kept every default). Where
  // prefill was measured it weighs as much as decode: a level that streams 5% faster but computes 15%
  // slower is no gain.
  const std::vector<Rates>& base = samples[default_index];
  const auto gain_in_round = [&](const Rates& r, const Rates& d) {
    double decode = 0;
    int parts = 0;
    if (one_thread_counts && d.one > 0) {
      decode += r.one / d.one;
      ++parts;
    }
    if (d.n > 0) {
      decode += r.n / d.n;
      ++parts;
    }
    const double gain = parts > 0 ? decode / parts : 1;
    return d.prefill > 0 ? (gain + r.prefill / d.prefill) / 2 : gain;
  };
  ParameterMeasurement record{name, "", {}};
  std::size_t best = default_index;
  double best_score = 1;
  std::string summary = name + ":";
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<double> one, n, prefill, gains;
    for (std::size_t k = 0; k < samples[i].size(); ++k) {
      one.push_back(samples[i][k].one);
      n.push_back(samples[i][k].n);
      prefill.push_back(samples[i][k].prefill);
      gains.push_back(gain_in_round(samples[i][k], base[k]));
    }
    CandidateRate rate{candidates[i].value, median(one), median(n), median(gains), median(prefill)};
    if (rate.score > best_score) {
      best = i;
      best_score = rate.score;
    }
    char line[128];
    if (rate.prefill_gflops > 0)
      std::snprintf(line, sizeof line, " %s %.1f/%.1f GB/s %.0f GFLOP/s (%.3f)", rate.value.c_str(),
                    rate.gbs_one_thread, rate.gbs_threads, rate.prefill_gflops, rate.score);
    else
      std::snprintf(line, sizeof line, " %s %.1f/%.1f GB/s (%.3f)", rate.value.c_str(), rate.gbs_one_thread,
                    rate.gbs_threads, rate.score);
    summary += line;
    record.candidates.push_back(std::move(rate));
  }
  // The default stays unless the best beats it clearly.
  if (best_score <= kHysteresis) best = default_index;
  record.chosen = candidates[best].value;
  say(summary + " -> " + record.chosen + (best == default_index ? " (default)" : ""));
  return {best, std::move(record)};
}

// ---------------------------------------------------------------------------------------------------
// The instruction-set level is decided once per process: each candidate level runs in a child forked
// before this process decides its own (it has no threads yet, so fork is safe), which reports its rates
// through a pipe.

Rates measure_level_in_child(IsaLevel level, const std::function<Rates()>& measure) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2", "");
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int saved = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw_errno("fork", "", saved);
  }
  if (pid == 0) {
    ::close(fds[0]);
    Rates rates;
    try {
      KernelTuning tuning;
      tuning.isa = level;
      kernels::set_kernel_tuning(tuning);
      if (kernels::active_isa_level() != level) ::_exit(3);
      rates = measure();
    } catch (...) {
      ::_exit(2);
    }
    const ssize_t written = ::write(fds[1], &rates, sizeof rates);
    ::_exit(written == static_cast<ssize_t>(sizeof rates) ? 0 : 1);
  }
  ::close(fds[1]);
  Rates rates;
  ssize_t got;
  do {
    got = ::read(fds[0], &rates, sizeof rates);
  } while (got < 0 && errno == EINTR);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != static_cast<ssize_t>(sizeof rates) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("the measurement of isa " + std::string(kernels::isa_level_name(level)) +
                             " in a child process failed (status " + std::to_string(status) + ")");
  return rates;
}

template <class T>
std::size_t index_of(const std::vector<T>& values, const T& value) {
  return static_cast<std::size_t>(std::find(values.begin(), values.end(), value) - values.begin());
}

}  // namespace

KernelWisdom measure_kernel_wisdom(const KernelProbeOptions& options) {
  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  const auto started = Clock::now();
  const int threads = std::max(1, options.threads);
  const int rounds = std::max(1, options.rounds);
  const int steps = options.quick ? 2 : 3;  // decode steps per sample

  const std::uint64_t llc = discover_topology().last_level_cache_bytes();
  const WeightLayout layout = plan_weights(std::max(kMinWeightBytes, 4 * llc));
  MemoryMapping small = map_small_pages(layout.bytes);
  fill_weights(layout, small.data());
  DecodeStep small_step(layout, small.data());
  // A prefill of 64 tokens over the first layer's products (Q8_0) and the second's (Q4_K and Q6_K).
  DecodeStep prefill_step(layout, small.data(), 64, 2 * kSectionRows.size());
  say("weights: " + format_bytes(layout.bytes) + " of Q8_0, Q4_K and Q6_K in 4 KiB pages (last-level cache " +
      format_bytes(llc) + "), " + std::to_string(steps) + " decode steps per sample at 1 and " +
      std::to_string(threads) + " threads");

  KernelWisdom wisdom;
  KernelTuning tuning;  // the defaults, replaced parameter by parameter
  const auto rates_with = [&](DecodeStep& step) {
    return Rates{decode_gbs(step, 1, steps), threads > 1 ? decode_gbs(step, threads, steps) : 0};
  };

  // Past the deadline, a parameter not begun keeps its default; the wisdom lists which.
  std::vector<std::string> not_measured;
  const auto in_time = [&](const std::string& parameter) {
    if (Clock::now() <= options.deadline) return true;
    say(parameter + ": not measured, time limit reached; the default stays");
    not_measured.push_back(parameter);
    return false;
  };

  // 1. The instruction-set level, from avx2 to the best this CPU has (the default).
  const IsaLevel best = kernels::best_isa_level(kernels::detect_cpu_features());
  if (!in_time("isa")) {  // the default stays
  } else if (std::getenv("CK_ISA") != nullptr) {
    say("isa: not measured, CK_ISA is set and decides the level");
  } else if (best > IsaLevel::avx2) {
    std::vector<Candidate> candidates;
    for (IsaLevel level = IsaLevel::avx2; level <= best;
         level = static_cast<IsaLevel>(static_cast<int>(level) + 1))
      candidates.push_back({std::string(kernels::isa_level_name(level)), [&, level] {
                              return measure_level_in_child(level, [&] {
                                Rates rates = rates_with(small_step);
                                rates.prefill = prefill_gflops(prefill_step);
                                return rates;
                              });
                            }});
    auto [chosen, record] = measure_parameter("isa", candidates, candidates.size() - 1, rounds, options);
    if (chosen != candidates.size() - 1) tuning.isa = kernels::parse_isa_level(record.chosen);
    wisdom.measurements.parameters.push_back(std::move(record));
  }
  // This process's level, from here on.
  kernels::set_kernel_tuning(tuning);
  say("isa: running at " + std::string(kernels::isa_level_name(kernels::active_isa_level())));

  // 2. How far ahead the weights are prefetched (0: not at all).
  if (in_time("prefetch_distance")) {
    std::vector<std::size_t> distances = options.quick
                                             ? std::vector<std::size_t>{0, 4096, 8192, 16384}
                                             : std::vector<std::size_t>{0, 2048, 4096, 8192, 16384, 32768};
    const std::size_t default_distance = kernels::WeightPrefetch{}.distance;
    if (index_of(distances, default_distance) == distances.size()) distances.push_back(default_distance);
    std::vector<Candidate> candidates;
    for (const std::size_t distance : distances)
      candidates.push_back({std::to_string(distance), [&, distance] {
                              KernelTuning t = tuning;
                              t.prefetch.distance = distance;
                              kernels::set_kernel_tuning(t);
                              return rates_with(small_step);
                            }});
    auto [chosen, record] = measure_parameter("prefetch_distance", candidates,
                                              index_of(distances, default_distance), rounds, options);
    tuning.prefetch.distance = distances[chosen];
    wisdom.measurements.parameters.push_back(std::move(record));
    kernels::set_kernel_tuning(tuning);
  }

  // 3. The prefetch's locality hint (nothing to choose without a prefetch).
  if (!in_time("prefetch_hint")) {  // the default stays
  } else if (tuning.prefetch.distance == 0) {
    say("prefetch_hint: not measured, no software prefetch was chosen");
  } else {
    const std::vector<PrefetchHint> hints = {PrefetchHint::nta, PrefetchHint::t0, PrefetchHint::t1};
    std::vector<Candidate> candidates;
    for (const PrefetchHint hint : hints)
      candidates.push_back({std::string(kernels::prefetch_hint_name(hint)), [&, hint] {
                              KernelTuning t = tuning;
                              t.prefetch.hint = hint;
                              kernels::set_kernel_tuning(t);
                              return rates_with(small_step);
                            }});
    auto [chosen, record] = measure_parameter(
        "prefetch_hint", candidates, index_of(hints, kernels::WeightPrefetch{}.hint), rounds, options);
    tuning.prefetch.hint = hints[chosen];
    wisdom.measurements.parameters.push_back(std::move(record));
    kernels::set_kernel_tuning(tuning);
  }

  // 3b. Rows per register tile in decode: 0 is each kernel's own (4 for the quantized ones).
  if (in_time("decode_tile_rows")) {
    const std::vector<int> heights = options.quick ? std::vector<int>{0, 8} : std::vector<int>{0, 2, 8};
    std::vector<Candidate> candidates;
    for (const int rows : heights)
      candidates.push_back({std::to_string(rows), [&, rows] {
                              KernelTuning t = tuning;
                              t.decode_tile_rows = rows;
                              kernels::set_kernel_tuning(t);
                              return rates_with(small_step);
                            }});
    auto [chosen, record] = measure_parameter("decode_tile_rows", candidates, 0, rounds, options);
    tuning.decode_tile_rows = heights[chosen];
    wisdom.measurements.parameters.push_back(std::move(record));
    kernels::set_kernel_tuning(tuning);
  }

  // 4. How long waiting pool threads spin (a pool of one thread never waits).
  if (!in_time("spin_us")) {  // the default stays
  } else if (threads == 1) {
    say("spin_us: not measured, one thread never waits");
  } else {
    // At most 500 us: a pool alone on its CPUs gains a few percent more from longer spins, but two pools
    // sharing CPUs (two models of one tenant decoding at once) lose more: on the 2-vCPU Zen 4 VM, two
    // 2-thread Q4_K_M decodes side by side ran 50 + 50 tok/s at 100 us and 45-48 each at 2000 us, while
    // 2000 us won 5% alone (docs/performance.md, host tuning).
    std::vector<long> spins =
        options.quick ? std::vector<long>{0, 100, 500} : std::vector<long>{0, 20, 100, 500};
    const long default_spin = static_cast<long>(KernelTuning{}.spin.count());
    if (index_of(spins, default_spin) == spins.size()) spins.push_back(default_spin);
    std::vector<Candidate> candidates;
    for (const long spin : spins)
      candidates.push_back({std::to_string(spin), [&, spin] {
                              KernelTuning t = tuning;
                              t.spin = std::chrono::microseconds(spin);
                              kernels::set_kernel_tuning(t);
                              return Rates{0, decode_gbs(small_step, threads, steps)};
                            }});
    auto [chosen, record] =
        measure_parameter("spin_us", candidates, index_of(spins, default_spin), rounds, options, false);
    tuning.spin = std::chrono::microseconds(spins[chosen]);
    wisdom.measurements.parameters.push_back(std::move(record));
    kernels::set_kernel_tuning(tuning);
  }

  // 5. Huge pages for the weights. The default is yes, ckd's own default: 4 KiB pages are chosen only
  // when they stream clearly faster.
  wisdom.weights_on_hugepages = true;
  if (in_time("weights_on_hugepages")) {
    HugePageWeights huge = map_huge_weights(layout.bytes);
    wisdom.measurements.hugepages_note = huge.note;
    if (!huge.memory) {
      say("weights_on_hugepages: " + huge.note);
      wisdom.weights_on_hugepages = false;
    } else {
      std::memcpy(huge.memory->data(), small.data(), layout.bytes);
      DecodeStep huge_step(layout, huge.memory->data());
      say("weights_on_hugepages: " + huge.note);
      const std::vector<Candidate> candidates = {{"yes", [&] { return rates_with(huge_step); }},
                                                 {"no", [&] { return rates_with(small_step); }}};
      auto [chosen, record] = measure_parameter("weights_on_hugepages", candidates, 0, rounds, options);
      wisdom.weights_on_hugepages = chosen == 0;
      wisdom.measurements.parameters.push_back(std::move(record));
    }
  }

  wisdom.tuning = tuning;
  if (!not_measured.empty()) {
    std::string names;
    for (const std::string& name : not_measured) names += (names.empty() ? "" : ", ") + name;
    wisdom.measurements.note = "time limit reached: " + names + " not measured, the defaults kept";
  }
  wisdom.measurements.rounds = rounds;
  wisdom.measurements.threads = threads;
  wisdom.measurements.weight_mib = static_cast<double>(layout.bytes) / static_cast<double>(kMiB);
  wisdom.measurements.seconds =
      std::round(std::chrono::duration<double>(Clock::now() - started).count() * 10) / 10;
  return wisdom;
}

}  // namespace ck::tuning::cktune
