#include "ckernel/engine/train/checkpoint.h"

#include <cstring>

namespace ck::train {
namespace {

constexpr std::string_view kMomentPrefix[2] = {"adamw.m.", "adamw.v."};
constexpr std::string_view kStepKey = "ckernel.train.step";

void add_tensors(GgufWriter& w, std::string_view prefix, const ParameterLayout& layout, const ParameterBuffer& values) {
  for (const ParameterTensor& t : layout.tensors()) {
    std::vector<int64_t> ne = t.matrix ? std::vector<int64_t>{t.cols, t.rows} : std::vector<int64_t>{t.cols};
    w.add_tensor_f32(std::string(prefix) + t.name, std::move(ne), values.tensor(t));
  }
}

}  // namespace

CheckpointPaths CheckpointPaths::for_model(const std::string& model_path) {
  std::string stem = model_path;
  if (stem.ends_with(".gguf")) stem.resize(stem.size() - 5);
  return {stem + ".gguf", stem + ".train.gguf"};
}

GgufWriter model_writer(const ModelConfig& config, const ParameterLayout& layout, const ParameterBuffer& parameters,
                        const GgufFile& vocabulary) {
  GgufWriter w;
  write_model_config(w, config);
  w.set("general.file_type", uint32_t{0});  // llama.cpp's LLAMA_FTYPE_ALL_F32
  write_tokenizer_of(w, vocabulary);
  add_tensors(w, "", layout, parameters);
  return w;
}

void write_checkpoint(const CheckpointPaths& paths, const ModelConfig& config, const ParameterLayout& layout,
                      const ParameterBuffer& parameters, const AdamW& optimizer, const GgufFile& vocabulary,
                      const TrainMetadata& metadata) {
  GgufWriter state = model_writer(config, layout, parameters, vocabulary);
  state.set(kStepKey, static_cast<uint64_t>(optimizer.step()));
  for (const auto& [key, value] : metadata) state.set("ckernel.train." + key, value);
  add_tensors(state, kMomentPrefix[0], layout, optimizer.first_moment());
  add_tensors(state, kMomentPrefix[1], layout, optimizer.second_moment());
  state.write(paths.state);

  GgufWriter model = model_writer(config, layout, parameters, vocabulary);
  model.set(kStepKey, static_cast<uint64_t>(optimizer.step()));
  model.write(paths.model);
}

void read_optimizer_state(const GgufFile& state, const ParameterLayout& layout, AdamW& optimizer) {
  const std::optional<uint64_t> step = state.get_uint(kStepKey);
  if (!step || state.find_tensor(std::string(kMomentPrefix[0]) + layout.tensors().front().name) == nullptr)
    throw TrainError(state.path() +
                     " is not a training state file (no optimizer moments); resume from the .train.gguf "
                     "file a checkpoint writes beside the model");
  ParameterBuffer* moments[2] = {&optimizer.first_moment(), &optimizer.second_moment()};
  for (int i = 0; i < 2; ++i)
    for (const ParameterTensor& t : layout.tensors()) {
      const std::string name = std::string(kMomentPrefix[i]) + t.name;
      const GgufTensorInfo* info = state.find_tensor(name);
      if (info == nullptr || info->type != kernels::TensorType::f32 || info->n_elements() != t.size())
        throw TrainError(state.path() + ": optimizer tensor '" + name + "' is missing or has another shape: " +
                         "the checkpoint belongs to another model");
      std::memcpy(moments[i]->tensor(t).data(), info->data, static_cast<size_t>(t.size()) * sizeof(float));
    }
  optimizer.set_step(static_cast<int64_t>(*step));
}

}  // namespace ck::train
