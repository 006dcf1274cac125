// ckrun: run a GGUF model in this process, like llama-cli. Text goes to stdout as it is generated,
// timings to stderr; --json prints one object in the schema of the team's greedy fixtures, plus the
// instruction-set level and the kernel tuning the run used.
#include <sched.h>

#include <boost/program_options.hpp>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ckernel/engine/generate.h"
#include "ckernel/engine/gguf.h"
#include "ckernel/engine/kernel_wisdom.h"
#include "ckernel/engine/model.h"
#include "ckernel/engine/session.h"
#include "ckernel/json/json_text.h"
#include "ckernel/kernels/isa_level.h"

namespace po = boost::program_options;
using namespace ck;

namespace {

constexpr int kExitRuntimeError = 1;
constexpr int kExitUsage = 2;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

std::vector<TokenId> parse_token_list(const std::string& text) {
  std::vector<TokenId> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    TokenId id = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (ec != std::errc() || end != item.data() + item.size() || item.empty())
      throw UsageError("--force-tokens: '" + item + "' is not a token id (expected a list like 5,17,42)");
    ids.push_back(id);
  }
  return ids;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read prompt file '" + path + "'");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string base_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// Lower-case hex of the bytes: the fixtures' piece_hex and text_hex, exact where text is not valid UTF-8.
std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

void print_tokens(const std::vector<TokenId>& ids, bool json) {
  std::string out = json ? "[" : "";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? (json ? ", " : " ") : "") + std::to_string(ids[i]);
  std::cout << out << (json ? "]" : "") << "\n";
}

void print_json(const std::string& model_path, const std::string& prompt, const Session& session,
                const GenerationResult& r, uint64_t seed, const WisdomUse& wisdom) {
  std::ostream& o = std::cout;
  o << "{\"model\":" << json_quote(base_name(model_path)) << ",\"prompt\":" << json_quote(prompt)
    << ",\"prompt_tokens\":[";
  for (size_t i = 0; i < r.prompt_tokens.size(); ++i) o << (i ? "," : "") << r.prompt_tokens[i];
  o << "],\"steps\":[";
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const GenerationStep& s = r.steps[i];
    const float margin = s.top.size() >= 2 ? s.top[0].second - s.top[1].second : 0.0f;
    o << (i ? "," : "") << "{\"token\":" << s.token << ",\"piece_hex\":\"" << hex(s.piece)
      << "\",\"margin\":" << json_number(margin) << ",\"top\":[";
    for (size_t k = 0; k < s.top.size(); ++k)
      o << (k ? "," : "") << "[" << s.top[k].first << "," << json_number(s.top[k].second) << "]";
    o << "]}";
  }
  o << "],\"text_hex\":\"" << hex(r.text) << "\",\"text\":" << json_quote(r.text) << ",\"stop_reason\":\""
    << stop_reason_name(r.stop_reason) << "\",\"threads\":" << session.n_threads() << ",\"seed\":" << seed
    << ",\"prompt_seconds\":" << r.prompt_seconds << ",\"generation_seconds\":" << r.generation_seconds
    << ",\"isa\":" << json_quote(kernels::isa_level_name(kernels::active_isa_level()))
    << ",\"tuning\":" << Json(describe_json(wisdom)).dump() << "}\n";
}

// An option whose default is the value already in *target (the engine's default, SamplingParams and
// GenerationOptions being the one place those are written), shown in --help as its shortest decimal text
// (0.8, not 0.800000012).
template <class T>
po::typed_value<T>* with_default(T* target) {
  char text[32];
  const auto written = std::to_chars(std::begin(text), std::end(text), *target);
  return po::value(target)->default_value(*target, std::string(text, written.ptr));
}

int run(int argc, char** argv) {
  std::string model_path, prompt, prompt_file, forced;
  GenerationOptions gen;
  SessionOptions session_options;
  uint64_t seed = 0;
  bool json = false, tokenize_only = false, no_bos = false, ignore_eos = false, special = false;

  const std::string context_help =
      "context positions (0: the model's, at most " + std::to_string(kDefaultMaxContext) + ")";
  po::options_description opts(
      "Usage: ckrun -m MODEL.gguf -p PROMPT [options]\n\n"
      "Runs a GGUF model (llama, qwen2) in this process and prints the generated text.\n"
      "Examples:\n"
      "  ckrun -m model.gguf -p 'Once upon a time' -n 64\n"
      "  ckrun -m model.gguf -p 'Hello' -n 32 --temp 0 --json --top 5\n"
      "  ckrun -m model.gguf -p 'Hello' --tokenize\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")("model,m", po::value(&model_path), "GGUF model file")(
      "prompt,p", po::value(&prompt), "prompt text")("file,f", po::value(&prompt_file),
                                                     "read the prompt from this file")(
      "n-predict,n", po::value(&gen.n_predict)->default_value(gen.n_predict), "tokens to generate")(
      "threads,t", po::value(&session_options.n_threads)->default_value(allowed_cpus()),
      "worker threads (default: the CPUs this process may use)")(
      "ctx-size,c", po::value(&session_options.n_ctx)->default_value(0), context_help.c_str())(
      "temp", with_default(&gen.sampling.temperature), "temperature; 0 is greedy")(
      "top-k", with_default(&gen.sampling.top_k), "keep the k most likely tokens (0: all)")(
      "top-p", with_default(&gen.sampling.top_p), "nucleus sampling threshold (1: off)")(
      "min-p", with_default(&gen.sampling.min_p),
      "drop tokens less likely than min-p times the best (0: off)")(
      "repeat-penalty", with_default(&gen.sampling.repeat_penalty),
      "penalty for tokens among the last repeat-last-n (1: off)")(
      "repeat-last-n", with_default(&gen.sampling.repeat_last_n), "window of the repeat penalty")(
      "seed,s", po::value(&seed), "random seed (default: random, printed with --json)")(
      "ignore-eos", po::bool_switch(&ignore_eos), "keep generating past end-of-generation tokens")(
      "special", po::bool_switch(&special), "print control tokens such as </s> as text")(
      "json", po::bool_switch(&json),
      "print one JSON object (prompt_tokens, steps with top logits, text_hex, isa, tuning: the kernel "
      "wisdom used or why the defaults)")(
      "top", po::value(&gen.top_logits)->default_value(5), "logits listed per step with --json")(
      "force-tokens", po::value(&forced),
      "feed these comma-separated ids instead of sampling (teacher forcing)")(
      "tokenize", po::bool_switch(&tokenize_only), "print the prompt's token ids and exit")(
      "no-bos", po::bool_switch(&no_bos), "do not add BOS to the prompt");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }
  if (model_path.empty()) throw UsageError("no model given (-m MODEL.gguf)");
  if (!prompt_file.empty()) prompt = read_file(prompt_file);
  if (gen.n_predict < 0) throw UsageError("-n must be 0 or more");
  if (session_options.n_threads < 1) throw UsageError("-t must be at least 1");
  if (!forced.empty()) gen.forced_tokens = parse_token_list(forced);
  gen.sampling.seed = vm.count("seed") ? seed : std::random_device{}();
  gen.stop_at_end_of_generation = !ignore_eos;
  gen.add_special = !no_bos;
  gen.render_special = special;
  if (!json) gen.top_logits = 0;

  // The host's measured kernel tuning, before anything decides the instruction-set level.
  const WisdomUse wisdom = load_kernel_wisdom(wisdom_path());
  apply_kernel_wisdom(wisdom);
  const std::shared_ptr<const Model> model = Model::load(model_path);
  if (tokenize_only) {
    print_tokens(model->tokenizer().encode(prompt, !no_bos, true), json);
    return 0;
  }
  Session session(model, session_options);
  const GenerationResult result = generate(session, prompt, gen, [&](const GenerationStep& step) {
    if (!json) std::cout << step.piece << std::flush;
    return true;
  });
  if (json) {
    print_json(model_path, prompt, session, result, gen.sampling.seed, wisdom);
  } else {
    std::cout << std::endl;
    std::fprintf(
        stderr,
        "ckrun: %zu prompt tokens in %.3f s (%.1f tok/s), %zu generated in %.3f s (%.1f tok/s), %d threads, "
        "isa %s; kernel tuning: %s\n",
        result.prompt_tokens.size(), result.prompt_seconds,
        result.prompt_tokens.size() / std::max(result.prompt_seconds, 1e-9), result.steps.size(),
        result.generation_seconds, result.steps.size() / std::max(result.generation_seconds, 1e-9),
        session.n_threads(), std::string(kernels::isa_level_name(kernels::active_isa_level())).c_str(),
        describe(wisdom).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "ckrun: " << e.what() << "\n(see ckrun --help)\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "ckrun: error: " << e.what() << "\n";
    return kExitRuntimeError;
  }
}
