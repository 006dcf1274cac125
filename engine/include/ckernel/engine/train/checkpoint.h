// Training checkpoints as GGUF files.
//
// A checkpoint is two files, each written atomically (a temporary file, flushed, then renamed over the
// old one, so a kill or a full disk leaves the previous version whole):
//   <stem>.gguf        the model: hyper-parameters, the tokenizer, F32 weights. ckrun, ckd and llama.cpp
//                      load it as it is (llama.cpp refuses files with tensors it does not expect, so the
//                      optimizer state cannot live here);
//   <stem>.train.gguf  everything a resume needs, self-contained: the same model (metadata, tokenizer,
//                      weights) plus AdamW's moments as tensors adamw.m.<name> and adamw.v.<name> and the
//                      run's state under ckernel.train.* (step, data position, options).
// The state file is written first: a kill between the two renames leaves a state file one checkpoint ahead
// of the model file, and resuming from it is still exact.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/gguf_writer.h"
#include "ckernel/engine/model.h"
#include "ckernel/engine/train/optimizer.h"
#include "ckernel/engine/train/parameters.h"

namespace ck::train {

struct CheckpointPaths {
  std::string model;  // <stem>.gguf
  std::string state;  // <stem>.train.gguf
  // From the model path the user names ("out/model.gguf"; a path without .gguf gets it appended).
  static CheckpointPaths for_model(const std::string& model_path);
};

// A GGUF writer holding the model: the configuration's keys, every tokenizer.* key of `vocabulary` (the
// model or vocabulary file the run started from) and the parameters as F32 tensors in GGUF order.
GgufWriter model_writer(const ModelConfig& config, const ParameterLayout& layout, const ParameterBuffer& parameters,
                        const GgufFile& vocabulary);

// Metadata under ckernel.train. (keys without that prefix).
using TrainMetadata = std::vector<std::pair<std::string, GgufWriteValue>>;

// Writes both files of a checkpoint (state first, then model). std::system_error on I/O failure, with the
// previous checkpoint left as it was.
void write_checkpoint(const CheckpointPaths& paths, const ModelConfig& config, const ParameterLayout& layout,
                      const ParameterBuffer& parameters, const AdamW& optimizer, const GgufFile& vocabulary,
                      const TrainMetadata& metadata);

// Restores AdamW's moments and step from a state file (opened as a Model, whose weights give the
// parameters). TrainError when the file is no state file or holds another model's shapes.
void read_optimizer_state(const GgufFile& state, const ParameterLayout& layout, AdamW& optimizer);

}  // namespace ck::train
