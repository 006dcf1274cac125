// Writes the fuzzers' seed corpora: small valid GGUF files made with GgufWriter (every value type,
// nested arrays, tensors of several types, alignments and both versions, a miniature vocabulary), one
// file per test text of llama.cpp's tokenizer vectors (tests/data/fixtures/tokenizer/*.inp), JSON
// documents like the ones ckd, the tools and the fixtures hold, kernel wisdom as `cktune kernels` writes
// it, and ckd's state file as ckd writes it.
//   make_seeds <gguf seed dir> <tokenizer seed dir> <tokenizer fixture dir> <json seed dir>
//              <wisdom seed dir> <state seed dir>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ckernel/engine/gguf_writer.h"
#include "ckernel/engine/kernel_wisdom.h"
#include "gguf_samples.h"
#include "state_file.h"

namespace {

using ck::GgufWriter;
using ck::GgufWriteValue;
using ck::kernels::TensorType;
namespace fs = std::filesystem;

std::vector<std::byte> bytes_for(TensorType type, int64_t n, uint8_t fill) {
  return std::vector<std::byte>(ck::kernels::row_bytes(type, n), std::byte{fill});
}

std::vector<GgufWriter> gguf_seeds() {
  std::vector<GgufWriter> seeds;

  seeds.emplace_back();  // empty

  GgufWriter scalars;
  ck::test::set_every_scalar_type(scalars);
  scalars.set("string", "text");
  seeds.push_back(std::move(scalars));

  GgufWriter arrays(2);
  arrays.set("strings", std::vector<std::string>{"a", "", "ccc"});
  arrays.set("floats", std::vector<float>{1, 2, 3});
  arrays.set("bools", std::vector<bool>{true, false});
  arrays.set("nested", std::vector<std::vector<int32_t>>{{1, 2}, {}, {3}});
  arrays.set("nested3", std::vector<std::vector<std::vector<uint8_t>>>{{{1}}, {}});
  arrays.set("empty", GgufWriteValue::array(ck::GgufValueType::u64, {}));
  seeds.push_back(std::move(arrays));

  GgufWriter tensors;
  tensors.set("general.architecture", "llama");
  tensors.add_tensor("f32", {4}, TensorType::f32, bytes_for(TensorType::f32, 4, 0));
  tensors.add_tensor("f16", {2, 3}, TensorType::f16, bytes_for(TensorType::f16, 6, 1));
  tensors.add_tensor("q8_0", {32, 2}, TensorType::q8_0, bytes_for(TensorType::q8_0, 64, 2));
  tensors.add_tensor("q4_k", {256}, TensorType::q4_k, bytes_for(TensorType::q4_k, 256, 3));
  tensors.add_tensor("i8.4d", {1, 2, 1, 3}, TensorType::i8, bytes_for(TensorType::i8, 6, 4));
  seeds.push_back(std::move(tensors));

  GgufWriter aligned;
  aligned.set_alignment(64);
  aligned.set("general.name", "aligned");
  aligned.add_tensor("a", {3}, TensorType::f32, bytes_for(TensorType::f32, 3, 5));
  aligned.add_tensor("b", {32}, TensorType::q4_0, bytes_for(TensorType::q4_0, 32, 6));
  seeds.push_back(std::move(aligned));

  GgufWriter tight;
  tight.set_alignment(1);
  tight.add_tensor("x", {3}, TensorType::bf16, bytes_for(TensorType::bf16, 3, 7));
  tight.add_tensor("y", {1}, TensorType::f64, bytes_for(TensorType::f64, 1, 8));
  seeds.push_back(std::move(tight));

  GgufWriter vocab;  // a miniature model file: hyper-parameters, a small vocabulary, two tensors
  vocab.set("general.architecture", "llama");
  vocab.set("llama.block_count", uint32_t{1});
  vocab.set("llama.embedding_length", uint32_t{32});
  vocab.set("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  vocab.set("tokenizer.ggml.model", "llama");
  vocab.set("tokenizer.ggml.tokens",
            std::vector<std::string>{"<unk>", "<s>", "</s>", "\xe2\x96\x81the", "a"});
  vocab.set("tokenizer.ggml.scores", std::vector<float>{0, 0, 0, -1, -2});
  vocab.set("tokenizer.ggml.token_type", std::vector<int32_t>{2, 3, 3, 1, 1});
  vocab.set("tokenizer.ggml.bos_token_id", uint32_t{1});
  vocab.set("tokenizer.ggml.add_bos_token", true);
  vocab.add_tensor("token_embd.weight", {32, 5}, TensorType::q8_0, bytes_for(TensorType::q8_0, 160, 9));
  vocab.add_tensor("output_norm.weight", {32}, TensorType::f32, bytes_for(TensorType::f32, 32, 0));
  seeds.push_back(std::move(vocab));
  return seeds;
}

// ckd's state file and status, a greedy fixture's shape, and every escape and number form.
const std::string_view kJsonSeeds[] = {
    R"({"models": [{"context": 4096, "name": "chat", "path": "/srv/m.gguf", "tenant": "alice", "threads": 2}],)"
    R"( "tenants": [{"cpus": "0-1", "memory_limit": 4294967296, "mems": "0", "name": "alice"}], "version": 1})",
    R"({"host": {"cpus": "0-1", "hugepages": {"free": 0, "mount": "", "page_bytes": 2097152, "reserved": 0},)"
    R"( "notes": ["no DSA"]}, "tenants": [], "version": "0.1.0"})",
    R"({"model":"m.gguf","prompt":"Hello","prompt_tokens":[1,15043],"steps":[{"token":17021,)"
    R"("piece_hex":"20646973636f","margin":8.325775,"top":[[17021,69.45162],[9211,61.125847]]}],)"
    R"("text_hex":"20","text":" ","stop_reason":"length"})",
    R"(["\"\\\/\b\f\n\r\t", "\u0000\u001f\u00e9\ud83d\ude00", "\u2581the)"
    "\", \"\xc3\xa9\xf0\x9f\x98\x80\"]",
    R"([0, -0, 1, -1, 9223372036854775807, -9223372036854775808, 9223372036854775808, 0.5, -1.25e-3,)"
    R"( 1E+2, 5e-324, 1.7976931348623157e308, 18446744073709551615, 18446744073709551616,)"
    R"( -9223372036854775809])",
    "[[[[[[[[{\"a\": {\"b\": [null, true, false]}}]]]]]]]]",
    " \t\r\n{ } ",
};

// Kernel wisdom: the defaults with nothing measured, and a file with every member set and measurements.
std::vector<std::string> wisdom_seeds() {
  ck::KernelWisdom defaults;
  defaults.cpu = {"AuthenticAMD", "AMD EPYC", "0x1000065", 25, 17, 1, 2};
  defaults.ckernel_version = "0.1.0";
  defaults.measured_at = "2026-12-03T21:05:40Z";
  ck::KernelWisdom measured = defaults;
  measured.tuning.prefetch = {2048, ck::kernels::PrefetchHint::t0};
  measured.tuning.spin = std::chrono::microseconds(500);
  measured.tuning.decode_tile_rows = 2;
  measured.tuning.isa = ck::kernels::IsaLevel::avx2;
  measured.weights_on_hugepages = true;
  measured.measurements = {5, 2, 192.5, 9.2, "97 x 2 MiB pages granted", "time limit reached: spin_us not measured",
                           {{"prefetch_distance", "2048", {{"8192", 16.0, 27.9, 1.0}, {"2048", 18.6, 24.8, 1.064}}},
                            {"isa", "avx2", {{"avx2", 19.0, 25.0, 1.02, 88.5}, {"avx512vnni", 18.0, 24.0, 1.0, 91.0}}}}};
  return {ck::format_kernel_wisdom(defaults), ck::format_kernel_wisdom(measured)};
}

// ckd's state: empty, and two tenants with models (one from before owner_uid was kept).
std::vector<std::string> state_seeds() {
  using ck::daemon::DaemonState;
  const DaemonState two{{{"alice", "0-1", "0", 4294967296}, {"bob", "2", "0,1", 0}},
                        {{"alice", "chat", "/srv/models/chat \"q\".gguf", 2, 4096, 1000},
                         {"bob", "tiny", "/usr/share/ckernel/models/tiny.gguf", 1, 0, 0}}};
  std::string old = ck::daemon::serialize_state(two);
  for (std::size_t at; (at = old.find(",\"owner_uid\":0")) != std::string::npos;) old.erase(at, 14);
  return {ck::daemon::serialize_state(DaemonState{}), ck::daemon::serialize_state(two), old};
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: make_seeds <gguf seed dir> <tokenizer seed dir> <tokenizer fixture dir> <json seed dir> "
                 "<wisdom seed dir> <state seed dir>\n";
    return 2;
  }
  const fs::path gguf_dir = argv[1], text_dir = argv[2], fixtures = argv[3], json_dir = argv[4],
                 wisdom_dir = argv[5], state_dir = argv[6];
  for (const fs::path& dir : {gguf_dir, text_dir, json_dir, wisdom_dir, state_dir}) fs::create_directories(dir);

  const std::vector<GgufWriter> seeds = gguf_seeds();
  for (size_t i = 0; i < seeds.size(); ++i)
    seeds[i].write((gguf_dir / ("seed-" + std::to_string(i) + ".gguf")).string());

  // The .inp files hold texts separated by "\n__ggml_vocab_test__\n".
  std::set<std::string> texts;
  for (const auto& entry : fs::directory_iterator(fixtures)) {
    if (entry.path().extension() != ".inp") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    const std::string sep = "\n__ggml_vocab_test__\n";
    size_t start = 0;
    while (start <= all.size()) {
      const size_t end = all.find(sep, start);
      texts.insert(all.substr(start, end == std::string::npos ? std::string::npos : end - start));
      if (end == std::string::npos) break;
      start = end + sep.size();
    }
  }
  size_t n = 0;
  for (const std::string& t : texts) write_file(text_dir / ("text-" + std::to_string(n++) + ".txt"), t);
  size_t n_json = 0;
  for (const std::string_view document : kJsonSeeds)
    write_file(json_dir / ("document-" + std::to_string(n_json++) + ".json"), document);
  const std::vector<std::string> wisdom = wisdom_seeds(), state = state_seeds();
  for (size_t i = 0; i < wisdom.size(); ++i)
    write_file(wisdom_dir / ("wisdom-" + std::to_string(i) + ".json"), wisdom[i]);
  for (size_t i = 0; i < state.size(); ++i) write_file(state_dir / ("state-" + std::to_string(i) + ".json"), state[i]);
  std::cout << "make_seeds: " << seeds.size() << " GGUF files in " << gguf_dir.string() << ", " << n
            << " texts in " << text_dir.string() << ", " << n_json << " JSON documents in " << json_dir.string()
            << ", " << wisdom.size() << " wisdom files in " << wisdom_dir.string() << ", " << state.size()
            << " state files in " << state_dir.string() << "\n";
  return 0;
}
