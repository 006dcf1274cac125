// Model::load on small synthetic models made with GgufWriter: a well-formed one loads, and each way of
// being unusable (architecture, hyper-parameters, missing, misshapen or uncomputable tensors) is refused
// with a GgufError naming the file and the problem.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/gguf_writer.h"
#include "ckernel/engine/model.h"

namespace ck {
namespace {

using kernels::TensorType;
namespace fs = std::filesystem;

constexpr int64_t kVocab = 32000;  // the vocabulary copied from tiny-llama

struct TensorChange {
  bool omit = false;
  std::optional<std::vector<int64_t>> ne;
  std::optional<TensorType> type;
};

// A tiny llama-family model: n_embd 32, 4 heads of 8 (2 KV heads), n_ff 256, `n_layer` layers, Q8_0
// matrices, F32 norms (and biases for qwen2), zero weights, and tiny-llama's tokenizer keys.
struct SyntheticModel {
  std::string arch = "llama";
  int64_t n_embd = 32, n_ff = 256, n_head = 4, n_head_kv = 2, n_layer = 2;
  std::map<std::string, GgufWriteValue> extra_keys;  // added or replacing the defaults
  std::set<std::string> omit_keys;
  std::map<std::string, TensorChange> changes;  // by tensor name

  GgufWriter Build() const {
    GgufWriter w;
    std::map<std::string, GgufWriteValue> keys{
        {"general.architecture", arch},
        {"general.name", "synthetic"},
        {arch + ".context_length", uint32_t{256}},
        {arch + ".embedding_length", static_cast<uint32_t>(n_embd)},
        {arch + ".block_count", static_cast<uint32_t>(n_layer)},
        {arch + ".feed_forward_length", static_cast<uint32_t>(n_ff)},
        {arch + ".attention.head_count", static_cast<uint32_t>(n_head)},
        {arch + ".attention.head_count_kv", static_cast<uint32_t>(n_head_kv)},
        {arch + ".attention.layer_norm_rms_epsilon", 1e-5f},
    };
    for (const auto& [k, v] : extra_keys) keys.insert_or_assign(k, v);
    for (const auto& [k, v] : keys)
      if (!omit_keys.contains(k)) w.set(k, v);
    for (const auto& [k, v] : TokenizerKeys())
      if (!omit_keys.contains(k)) w.set(k, v);

    const int64_t head_dim = n_embd / n_head, q_dim = n_head * head_dim, kv_dim = n_head_kv * head_dim;
    const auto add = [&](const std::string& name, std::vector<int64_t> ne, TensorType type) {
      const auto it = changes.find(name);
      if (it != changes.end()) {
        if (it->second.omit) return;
        if (it->second.ne) ne = *it->second.ne;
        if (it->second.type) type = *it->second.type;
      }
      int64_t n = 1;
      for (int64_t d : ne) n *= d;
      std::vector<std::byte> data(kernels::row_bytes(type, n), std::byte{0});
      if (type == TensorType::f32) {  // norms of ones
        const float one = 1.0f;
        for (size_t i = 0; i < data.size(); i += 4) std::memcpy(&data[i], &one, 4);
      }
      w.add_tensor(name, ne, type, std::move(data));
    };
    add("token_embd.weight", {n_embd, kVocab}, TensorType::q8_0);
    add("output_norm.weight", {n_embd}, TensorType::f32);
    for (int64_t i = 0; i < n_layer; ++i) {
      const std::string p = "blk." + std::to_string(i) + ".";
      add(p + "attn_norm.weight", {n_embd}, TensorType::f32);
      add(p + "attn_q.weight", {n_embd, q_dim}, TensorType::q8_0);
      add(p + "attn_k.weight", {n_embd, kv_dim}, TensorType::q8_0);
      add(p + "attn_v.weight", {n_embd, kv_dim}, TensorType::q8_0);
      if (arch == "qwen2") {
        add(p + "attn_q.bias", {q_dim}, TensorType::f32);
        add(p + "attn_k.bias", {kv_dim}, TensorType::f32);
        add(p + "attn_v.bias", {kv_dim}, TensorType::f32);
      }
      add(p + "attn_output.weight", {q_dim, n_embd}, TensorType::q8_0);
      add(p + "ffn_norm.weight", {n_embd}, TensorType::f32);
      add(p + "ffn_gate.weight", {n_embd, n_ff}, TensorType::q8_0);
      add(p + "ffn_up.weight", {n_embd, n_ff}, TensorType::q8_0);
      add(p + "ffn_down.weight", {n_ff, n_embd}, TensorType::q8_0);
    }
    return w;
  }

  static const std::vector<std::pair<std::string, GgufWriteValue>>& TokenizerKeys() {
    static const auto keys = [] {
      std::vector<std::pair<std::string, GgufWriteValue>> out;
      const auto f = GgufFile::open(std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf");
      for (const auto& [k, v] : f->metadata())
        if (k.starts_with("tokenizer.")) out.emplace_back(std::string(k), GgufWriteValue::copy_of(v));
      return out;
    }();
    return keys;
  }
};

class ModelLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("ck-model-load-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const SyntheticModel& m) {
    const std::string path = (dir_ / "model.gguf").string();
    m.Build().write(path);
    return path;
  }

  // Model::load must fail with a GgufError starting with the path and containing `needle`.
  ::testing::AssertionResult Refuses(const SyntheticModel& m, const std::string& needle) {
    const std::string path = Write(m);
    try {
      Model::load(path);
    } catch (const GgufError& e) {
      const std::string what = e.what();
      if (what.rfind(path + ": ", 0) != 0)
        return ::testing::AssertionFailure() << "message does not start with the path: " << what;
      if (what.find(needle) == std::string::npos)
        return ::testing::AssertionFailure() << "message lacks \"" << needle << "\": " << what;
      return ::testing::AssertionSuccess();
    } catch (const std::exception& e) {
      return ::testing::AssertionFailure() << "threw something other than GgufError: " << e.what();
    }
    return ::testing::AssertionFailure() << "loaded; expected \"" << needle << "\"";
  }

  fs::path dir_;
};

TEST_F(ModelLoad, SyntheticLlamaLoads) {
  const auto model = Model::load(Write(SyntheticModel{}));
  const ModelConfig& c = model->config();
  EXPECT_EQ(c.architecture, "llama");
  EXPECT_EQ(c.name, "synthetic");
  EXPECT_EQ(c.n_vocab, kVocab);
  EXPECT_EQ(c.n_embd, 32);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_head, 4);
  EXPECT_EQ(c.n_head_kv, 2);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.n_ff, 256);
  EXPECT_TRUE(c.tied_output);
  EXPECT_EQ(model->tokenizer().n_vocab(), kVocab);
}

TEST_F(ModelLoad, SyntheticQwen2Loads) {
  SyntheticModel m;
  m.arch = "qwen2";
  EXPECT_EQ(Model::load(Write(m))->config().architecture, "qwen2");
}

// ---- architecture and hyper-parameters (checked before the tokenizer and tensors) ----

TEST_F(ModelLoad, UnsupportedArchitecture) {
  SyntheticModel m;
  m.arch = "falcon";
  EXPECT_TRUE(Refuses(m, "architecture 'falcon' is not supported (supported: llama, qwen2)"));
}

TEST_F(ModelLoad, MissingArchitecture) {
  SyntheticModel m;
  m.omit_keys = {"general.architecture"};
  EXPECT_TRUE(Refuses(m, "missing required metadata key 'general.architecture'"));
}

TEST_F(ModelLoad, MissingHyperParameters) {
  for (const char* key : {"llama.context_length", "llama.embedding_length", "llama.block_count",
                          "llama.feed_forward_length", "llama.attention.head_count"}) {
    SyntheticModel m;
    m.omit_keys = {key};
    EXPECT_TRUE(Refuses(m, std::string("missing required metadata key '") + key + "'")) << key;
  }
}

TEST_F(ModelLoad, HyperParameterOfTheWrongType) {
  SyntheticModel m;
  m.extra_keys.insert_or_assign("llama.block_count", GgufWriteValue("two"));
  EXPECT_TRUE(Refuses(m, "metadata key 'llama.block_count' must be a non-negative integer, is string"));
  SyntheticModel neg;
  neg.extra_keys.insert_or_assign("llama.embedding_length", GgufWriteValue(int32_t{-32}));
  EXPECT_TRUE(Refuses(neg, "metadata key 'llama.embedding_length' must be a non-negative integer, is i32"));
}

TEST_F(ModelLoad, SizesOutOfRangeAreRefusedBeforeTheyWrap) {
  // Each size alone beyond its range (most of these were refused before only by a later, unrelated check).
  const struct {
    const char* key;
    uint64_t value;
  } cases[] = {
      {"llama.attention.head_count", 0xFFFFFFFFFFFFFFFEull},
      {"llama.attention.head_count_kv", 0xFFFFFFFFFFFFFFFEull},
      {"llama.attention.key_length", (uint64_t{1} << 63) - 32},
      {"llama.rope.dimension_count", (uint64_t{1} << 53) + 2},
      {"llama.context_length", uint64_t{1} << 32},
      {"llama.rope.scaling.original_context_length", uint64_t{1} << 40},
      {"llama.embedding_length", 0},
      {"llama.attention.head_count_kv", 0},
  };
  // All at once, as a hostile file would: as int64 the heads are -4 and -2 and the head size -8, whose
  // products are the 32 and 16 columns the tensors have; the old checks all passed and the model loaded.
  SyntheticModel wrapped;
  wrapped.extra_keys.insert_or_assign("llama.attention.head_count", GgufWriteValue(uint64_t{0} - 4));
  wrapped.extra_keys.insert_or_assign("llama.attention.head_count_kv", GgufWriteValue(uint64_t{0} - 2));
  wrapped.extra_keys.insert_or_assign("llama.attention.key_length", GgufWriteValue(uint64_t{0} - 8));
  EXPECT_TRUE(
      Refuses(wrapped, "metadata key 'llama.attention.head_count' is 18446744073709551612, not a size"));
  for (const auto& c : cases) {
    SyntheticModel m;
    m.extra_keys.insert_or_assign(c.key, GgufWriteValue(c.value));
    EXPECT_TRUE(Refuses(m, "metadata key '" + std::string(c.key) + "' is " + std::to_string(c.value) +
                               ", not a size from 1 to 16777216"))
        << c.key;
  }
}

TEST_F(ModelLoad, InconsistentHeads) {
  SyntheticModel m;
  m.extra_keys.insert_or_assign("llama.attention.head_count_kv", GgufWriteValue(uint32_t{3}));
  EXPECT_TRUE(Refuses(m, "attention.head_count 4 is not a positive multiple of head_count_kv 3"));
}

TEST_F(ModelLoad, MoreBlocksThanTensors) {
  SyntheticModel m;
  m.extra_keys.insert_or_assign("llama.block_count", GgufWriteValue(uint32_t{1000}));
  EXPECT_TRUE(Refuses(m, "block_count 1000 does not match the"));
}

// ---- tensors (need the tokenizer) ----

TEST_F(ModelLoad, MissingRequiredTensor) {
  for (const char* name : {"token_embd.weight", "output_norm.weight", "blk.0.attn_norm.weight",
                           "blk.1.ffn_up.weight", "blk.1.attn_output.weight"}) {
    SyntheticModel m;
    m.changes[name].omit = true;
    EXPECT_TRUE(Refuses(m, std::string("missing required tensor '") + name + "'")) << name;
  }
}

TEST_F(ModelLoad, MissingQwen2Bias) {
  SyntheticModel m;
  m.arch = "qwen2";
  m.changes["blk.1.attn_k.bias"].omit = true;
  EXPECT_TRUE(Refuses(m, "missing required tensor 'blk.1.attn_k.bias'"));
}

TEST_F(ModelLoad, WrongShape) {
  SyntheticModel m;
  m.changes["blk.0.attn_q.weight"].ne = std::vector<int64_t>{32, 16};
  EXPECT_TRUE(Refuses(m, "tensor 'blk.0.attn_q.weight' has shape [32, 16], expected [32, 32]"));

  SyntheticModel transposed;
  transposed.changes["blk.1.ffn_down.weight"].ne = std::vector<int64_t>{32, 256};
  EXPECT_TRUE(Refuses(transposed, "tensor 'blk.1.ffn_down.weight' has shape [32, 256], expected [256, 32]"));

  SyntheticModel norm;
  norm.changes["output_norm.weight"].ne = std::vector<int64_t>{32, 2};
  EXPECT_TRUE(Refuses(norm, "tensor 'output_norm.weight' has shape [32, 2], expected [32]"));
}

TEST_F(ModelLoad, EmbeddingRowsDoNotMatchTheVocabulary) {
  SyntheticModel m;
  m.changes["token_embd.weight"].ne = std::vector<int64_t>{32, 1000};
  EXPECT_TRUE(Refuses(m, "token_embd.weight has 1000 rows but the vocabulary has 32000 tokens"));
}

TEST_F(ModelLoad, UncomputableTensorType) {
  SyntheticModel m;  // ffn_down's rows are n_ff = 256 long: a whole Q2_K block
  m.changes["blk.0.ffn_down.weight"].type = TensorType::q2_k;
  EXPECT_TRUE(
      Refuses(m, "tensor 'blk.0.ffn_down.weight' has type Q2_K, which ckernel cannot compute (supported: "));

  SyntheticModel q41;
  q41.changes["blk.1.attn_v.weight"].type = TensorType::q4_1;
  EXPECT_TRUE(Refuses(q41, "tensor 'blk.1.attn_v.weight' has type Q4_1, which ckernel cannot compute"));

  SyntheticModel norm;
  norm.changes["blk.0.ffn_norm.weight"].type = TensorType::i32;
  EXPECT_TRUE(Refuses(norm, "tensor 'blk.0.ffn_norm.weight' has type I32, which ckernel cannot compute"));
}

TEST_F(ModelLoad, MissingTokenizer) {
  SyntheticModel m;
  m.omit_keys = {"tokenizer.ggml.tokens"};
  const std::string path = Write(m);
  EXPECT_THROW(Model::load(path), GgufError);
}

}  // namespace
}  // namespace ck
