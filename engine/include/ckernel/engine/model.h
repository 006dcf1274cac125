// A llama-family model loaded from a GGUF file: its hyper-parameters, tokenizer and weights (left where
// the file's image is, read-only: a mapping of the file by default, so that several sessions and processes
// share one copy, or memory the host tuning placed it in).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/model_image.h"
#include "ckernel/engine/tokenizer.h"
#include "ckernel/kernels/ops.h"

namespace ck {

struct ModelConfig {
  std::string architecture;  // general.architecture: "llama" or "qwen2"
  std::string name;          // general.name, or the file name
  int64_t n_vocab = 0;
  int64_t n_ctx_train = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_ff = 0;
  float rms_eps = 0;
  kernels::RopeParams rope{};
  bool tied_output = false;  // the output projection reuses token_embd
};

struct ModelWeights;  // engine-internal
class GgufWriter;

// Sets the general.* and <architecture>.* keys from which Model::load reads this configuration back (the
// inverse of loading, kept beside it): for models the engine writes itself, such as training checkpoints.
void write_model_config(GgufWriter& writer, const ModelConfig& config);
// Copies every tokenizer.* key of `source` (a model or vocabulary file), which is the whole vocabulary.
void write_tokenizer_of(GgufWriter& writer, const GgufFile& source);

class Model {
 public:
  // Opens, validates and binds the model; throws GgufError naming the file and the problem (missing or
  // misshapen tensor, unsupported architecture or tensor type, missing hyper-parameter).
  static std::shared_ptr<const Model> load(const std::string& path);
  static std::shared_ptr<const Model> load(ModelImage image);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return tokenizer_; }
  const GgufFile& file() const { return *file_; }
  const ModelWeights& weights() const { return *weights_; }
  // Bytes of all weight tensors.
  size_t weight_bytes() const;
  // Where the weights are (the image's placement): "file mapping (page cache)", "hugetlbfs, 2 MiB pages".
  const std::string& placement() const { return placement_; }

 private:
  Model(std::unique_ptr<GgufFile> file, ModelConfig config, Tokenizer tokenizer);

  std::unique_ptr<GgufFile> file_;
  ModelConfig config_;
  Tokenizer tokenizer_;
  std::unique_ptr<ModelWeights> weights_;
  std::string placement_;
};

}  // namespace ck
