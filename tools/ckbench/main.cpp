// ckbench: prompt-processing and generation throughput of a model, like llama-bench, with the rates
// derived from them (weight GB/s in decode, GFLOP/s in prefill) as shares of the machine's limits.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ckernel/engine/kernel_wisdom.h"
#include "ckernel/engine/model.h"
#include "ckernel/engine/session_memory.h"
#include "ckernel/kernels/isa_level.h"
#include "memory_placement.h"
#include "report.h"

namespace po = boost::program_options;
using namespace ck;
using namespace ck::bench;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <class T>
std::vector<T> parse_list(const std::string& text, const char* option) {
  std::vector<T> values;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    T value{};
    const auto [ptr, ec] = std::from_chars(text.data() + start, text.data() + end, value);
    if (ec != std::errc() || ptr != text.data() + end || !(value > 0))
      throw UsageError(std::string(option) + " takes positive numbers separated by commas, not '" + text +
                       "'");
    values.push_back(value);
    start = end + 1;
  }
  return values;
}

// The limit for the i-th thread count: one value for all, or one per thread count.
double limit_for(const std::vector<double>& given, size_t i) {
  return given.size() == 1 ? given[0] : given[i];
}

bool is_streamed_weight(const GgufTensorInfo& t, const Model& model) {
  return t.ne.size() >= 2 && (model.config().tied_output || t.name != "token_embd.weight");
}

// --memory auto: huge pages when the host's wisdom measured them faster and this process may reserve
// them (root), else the engine's default.
std::string resolve_memory(const std::string& memory, const WisdomUse& wisdom) {
  if (memory != "auto") return memory;
  const bool measured_faster = wisdom.wisdom && wisdom.wisdom->weights_on_hugepages;
  const std::string chosen = measured_faster && ::geteuid() == 0 ? "hugepages" : "default";
  std::fprintf(stderr, "ckbench: --memory auto: %s (%s)\n", chosen.c_str(),
               !measured_faster      ? "the kernel wisdom did not measure huge pages faster"
               : chosen == "default" ? "huge pages measured faster, but only root may reserve them"
                                     : "huge pages measured faster by the kernel wisdom");
  return chosen;
}

void print_help(const po::options_description& options) {
  std::cout
      << "Usage: ckbench -m MODEL.gguf [-t 1,2] [-p 128] [-n 64] [-r 3] [--json] [--memory "
         "auto|default|hugepages]\n\n"
         "For each thread count: one warm-up, then -r repetitions of pp (a prompt of -p random tokens\n"
         "evaluated in batches of -b) and tg (-n tokens generated one at a time), each from an empty\n"
         "context, as llama-bench measures. Reported: tok/s mean ± sample standard deviation; decode GB/s =\n"
         "weight bytes read per token x tg tok/s and prefill GFLOP/s = 2 x matrix parameters x pp tok/s,\n"
         "each as a share of the machine's read bandwidth and fp32 FMA peak for that many threads, which\n"
         "ckbench measures first (about a second) unless --peak-read-gbs / --peak-gflops give them.\n"
         "--memory hugepages (root): reserves 2 MiB pages for the run (given back after), copies the model\n"
         "into a private hugetlbfs mount and puts the KV cache and activations there too. --memory auto "
         "(the\n"
         "default): hugepages when the kernel wisdom measured them faster and ckbench runs as root, else\n"
         "default. The kernels run with the host's kernel wisdom ($CK_KERNEL_WISDOM, else\n"
         "/var/lib/ckernel/kernel-wisdom.json; 'cktune kernels' measures it, CK_KERNEL_WISDOM=none ignores "
         "it).\n\n"
      << options;
}

int run(int argc, char** argv) {
  std::string model_path, threads_text = "1", memory = "auto", peak_read_text, peak_gflops_text;
  ThroughputOptions base;
  bool json = false;
  po::options_description options("Options");
  auto add = options.add_options();
  add("help,h", "this text");
  add("model,m", po::value(&model_path), "GGUF model");
  add("threads,t", po::value(&threads_text)->default_value(threads_text), "thread counts, comma separated");
  add("n-prompt,p", po::value(&base.n_prompt)->default_value(base.n_prompt), "prompt tokens (0: no pp test)");
  add("n-gen,n", po::value(&base.n_gen)->default_value(base.n_gen), "generated tokens (0: no tg test)");
  add("repetitions,r", po::value(&base.repetitions)->default_value(base.repetitions), "measured runs");
  add("batch-size,b", po::value(&base.n_batch)->default_value(base.n_batch), "prompt tokens per batch");
  add("memory", po::value(&memory)->default_value(memory), "auto, default or hugepages");
  add("json", po::bool_switch(&json), "print one JSON object instead of the table");
  add("peak-read-gbs", po::value(&peak_read_text),
      "read bandwidth in GB/s, one for all or one per thread count");
  add("peak-gflops", po::value(&peak_gflops_text),
      "fp32 peak in GFLOP/s, one for all or one per thread count");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help")) {
    print_help(options);
    return 0;
  }
  if (model_path.empty()) throw UsageError("-m MODEL.gguf is required");
  if (memory != "auto" && memory != "default" && memory != "hugepages")
    throw UsageError("--memory is auto, default or hugepages, not '" + memory + "'");
  if (base.n_prompt < 0 || base.n_gen < 0 || base.repetitions < 1 || base.n_batch < 1)
    throw UsageError("-p and -n must be at least 0, -r and -b at least 1");
  const std::vector<int> thread_counts = parse_list<int>(threads_text, "-t");
  const std::vector<double> peak_read =
      peak_read_text.empty() ? std::vector<double>{} : parse_list<double>(peak_read_text, "--peak-read-gbs");
  const std::vector<double> peak_gflops = peak_gflops_text.empty()
                                              ? std::vector<double>{}
                                              : parse_list<double>(peak_gflops_text, "--peak-gflops");
  for (const auto* given : {&peak_read, &peak_gflops})
    if (given->size() > 1 && given->size() != thread_counts.size())
      throw UsageError("give one peak value or one per thread count (" +
                       std::to_string(thread_counts.size()) + ")");

  // The host's measured kernel tuning, before anything decides the instruction-set level.
  const WisdomUse wisdom = load_kernel_wisdom(wisdom_path());
  apply_kernel_wisdom(wisdom);
  memory = resolve_memory(memory, wisdom);

  // Declared before the model and sessions, so it outlives every mapping of its pages.
  std::optional<HugePageMemory> hugepages;
  std::shared_ptr<const Model> model;
  if (memory == "hugepages") {
    const auto probe = Model::load(model_path);
    hugepages.emplace(probe->file().bytes().size(),
                      session_memory_bytes(probe->config(), session_context(base), base.n_batch));
    std::fprintf(stderr, "ckbench: %s\n", hugepages->reservation_summary().c_str());
    model = Model::load(hugepages->load_model(model_path));
    base.allocator = hugepages->allocator();
  } else {
    model = Model::load(model_path);
  }

  RunDescription description{.model_path = model_path,
                             .model_name = model->config().name,
                             .isa = std::string(kernels::isa_level_name(kernels::active_isa_level())),
                             .weight_placement = model->placement(),
                             .limits_source = peak_read.empty() || peak_gflops.empty() ? "measured" : "given",
                             .n_prompt = base.n_prompt,
                             .n_gen = base.n_gen,
                             .repetitions = base.repetitions,
                             .tuning_summary = describe(wisdom),
                             .tuning_json = Json(describe_json(wisdom)).dump()};
  for (const GgufTensorInfo& t : model->file().tensors())
    if (is_streamed_weight(t, *model)) {
      description.weight_bytes_per_token += t.n_bytes;
      description.matmul_parameters += static_cast<uint64_t>(t.n_elements());
    }

  std::vector<ThreadResult> results;
  for (size_t i = 0; i < thread_counts.size(); ++i) {
    ThreadResult r;
    r.threads = thread_counts[i];
    if (peak_read.empty() || peak_gflops.empty()) r.limits = measure_machine_limits(r.threads);
    if (!peak_read.empty()) r.limits.read_gbs = limit_for(peak_read, i);
    if (!peak_gflops.empty()) r.limits.fp32_gflops = limit_for(peak_gflops, i);
    ThroughputOptions o = base;
    o.threads = r.threads;
    std::fprintf(stderr, "ckbench: %d threads: pp%lld tg%lld x %d\n", r.threads,
                 static_cast<long long>(o.n_prompt), static_cast<long long>(o.n_gen), o.repetitions);
    r.throughput = measure_throughput(model, o);
    results.push_back(std::move(r));
  }
  // After the runs: an allocator can only tell where its buffers went once it has handed them out.
  description.session_memory = (base.allocator ? base.allocator : default_buffer_allocator())->describe();
  if (json)
    print_json(description, results);
  else
    print_table(description, results);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "ckbench: " << e.what() << " (see ckbench --help)\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "ckbench: " << e.what() << "\n";
    return kExitFailure;
  }
}
