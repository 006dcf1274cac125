#include "training_data.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace ck::cktrain {
namespace {

uint64_t fnv1a(std::span<const TokenId> tokens) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (TokenId t : tokens)
    for (int byte = 0; byte < 4; ++byte) {
      h ^= (static_cast<uint32_t>(t) >> (8 * byte)) & 0xff;
      h *= 0x100000001b3ull;
    }
  return h;
}

}  // namespace

TrainingData load_training_data(const Model& model, const std::vector<std::string>& inputs, double val_fraction) {
  std::vector<std::filesystem::path> paths(inputs.begin(), inputs.end());
  train::CorpusOptions options;
  options.val_fraction = val_fraction;
  // On a terminal the line is rewritten after each document; in a log, one line every 10 s at most.
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  auto last = std::chrono::steady_clock::now();
  options.progress = [&](uint64_t done, uint64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (!terminal && now - last < std::chrono::seconds(10)) return;
    last = now;
    std::fprintf(stderr, "%stokenizing: %.1f of %.1f MB%s", terminal ? "\r" : "", static_cast<double>(done) / 1e6,
                 static_cast<double>(total) / 1e6, terminal ? "" : "\n");
  };
  TrainingData data{train::TokenCorpus::load(model.tokenizer(), paths, options), 0};
  std::fprintf(stderr, "%stokenized %zu documents: %zu tokens\n", terminal ? "\r" : "", data.corpus.documents().size(),
               data.corpus.tokens().size());
  data.fingerprint = fnv1a(data.corpus.train_tokens());
  return data;
}

double evaluation_loss(train::Trainer& trainer, std::span<const TokenId> tokens, int64_t max_batches) {
  train::EvalBatches batches(tokens, trainer.options().context, trainer.options().batch);
  int64_t taken = 0;
  return trainer.evaluate([&](std::span<int32_t> out) -> int64_t {
    if (max_batches > 0 && taken++ >= max_batches) return 0;
    return static_cast<int64_t>(batches.next(out));
  });
}

void add_sampler_state(train::TrainMetadata& metadata, const train::SamplerState& state) {
  metadata.emplace_back("data.epoch", state.epoch);
  metadata.emplace_back("data.next_window", state.next_window);
  metadata.emplace_back("data.seed", state.seed);
}

train::SamplerState read_sampler_state(const GgufFile& f) {
  const auto epoch = f.get_uint("ckernel.train.data.epoch"), next = f.get_uint("ckernel.train.data.next_window"),
             seed = f.get_uint("ckernel.train.data.seed");
  if (!epoch || !next || !seed) throw train::TrainError(f.path() + " has no data position (ckernel.train.data.*)");
  return {*epoch, *next, *seed};
}

void add_data_identity(train::TrainMetadata& metadata, const TrainingData& data) {
  metadata.emplace_back("data.train_tokens", static_cast<uint64_t>(data.corpus.train_tokens().size()));
  metadata.emplace_back("data.fingerprint", data.fingerprint);
}

void check_same_data(const GgufFile& f, const TrainingData& data) {
  const auto tokens = f.get_uint("ckernel.train.data.train_tokens");
  const auto fingerprint = f.get_uint("ckernel.train.data.fingerprint");
  if (tokens != data.corpus.train_tokens().size() || fingerprint != data.fingerprint)
    throw train::CorpusError("the data differs from the data the checkpoint was trained on (" +
                             std::to_string(tokens.value_or(0)) + " training tokens then, " +
                             std::to_string(data.corpus.train_tokens().size()) +
                             " now, or other tokens): a resume would not continue the same run");
}

}  // namespace ck::cktrain
