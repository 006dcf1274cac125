// cktrain's glue between the engine's corpus and batch sampler and a run: loading with progress, the
// validation loss, and what a checkpoint records about the data so that a resume takes up the same data
// at the same place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ckernel/engine/model.h"
#include "ckernel/engine/train/batches.h"
#include "ckernel/engine/train/checkpoint.h"
#include "ckernel/engine/train/corpus.h"
#include "ckernel/engine/train/trainer.h"

namespace ck::cktrain {

struct TrainingData {
  train::TokenCorpus corpus;
  uint64_t fingerprint = 0;  // of the training tokens (FNV-1a), to recognise the same data on resume
};

// Reads and tokenizes the inputs with the model's tokenizer, showing progress on stderr.
TrainingData load_training_data(const Model& model, const std::vector<std::string>& inputs, double val_fraction);

// Mean loss over held-out windows, batch at a time; max_batches 0: all of them.
double evaluation_loss(train::Trainer& trainer, std::span<const TokenId> tokens, int64_t max_batches);

void add_sampler_state(train::TrainMetadata& metadata, const train::SamplerState& state);
train::SamplerState read_sampler_state(const GgufFile& state_file);
void add_data_identity(train::TrainMetadata& metadata, const TrainingData& data);
// CorpusError when the data differs from the data the checkpoint was trained on.
void check_same_data(const GgufFile& state_file, const TrainingData& data);

}  // namespace ck::cktrain
