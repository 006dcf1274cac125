// cktrain run: trains a model on text, writing checkpoints that resume exactly.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "ckernel/engine/train/batches.h"
#include "ckernel/engine/train/checkpoint.h"
#include "ckernel/engine/train/corpus.h"
#include "ckernel/engine/train/trainer.h"
#include "command_line.h"
#include "commands.h"
#include "progress.h"
#include "training_data.h"

namespace ck::cktrain {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void request_stop(int signal) { g_stop_signal = signal; }

// What decides the numbers a run computes; stored in the state file so that a resume computes the same.
struct RunSettings {
  int64_t steps = 1000, batch = 8, context = 0, accumulate = 1, warmup = 0;
  double lr = 3e-4, min_lr = -1, weight_decay = 0.1, beta1 = 0.9, beta2 = 0.95, eps = 1e-8, clip = 1.0;
  double val_fraction = 0.05;
  std::string schedule = "cosine";
  uint64_t seed = 1;
  bool no_shuffle = false;
};

void add_run_options(po::options_description& o, RunSettings& s) {
  auto add = o.add_options();
  add("steps", po::value(&s.steps)->default_value(s.steps), "optimizer steps in all (a resume continues to this)");
  add("batch,b", po::value(&s.batch)->default_value(s.batch), "sequences per micro-batch");
  add("context,c", po::value(&s.context)->default_value(s.context),
      "tokens predicted per sequence; 0: the model's context");
  add("accumulate", po::value(&s.accumulate)->default_value(s.accumulate),
      "micro-batches whose gradients are summed per optimizer step");
  add("lr", po::value(&s.lr)->default_value(s.lr), "peak learning rate");
  add("min-lr", po::value(&s.min_lr)->default_value(s.min_lr), "cosine floor; -1: lr / 10");
  add("warmup", po::value(&s.warmup)->default_value(s.warmup), "steps of linear warm-up from lr / warmup to lr");
  add("schedule", po::value(&s.schedule)->default_value(s.schedule),
      "constant, or cosine (warm-up, then half a cosine down to --min-lr at --steps)");
  add("weight-decay", po::value(&s.weight_decay)->default_value(s.weight_decay),
      "AdamW's decoupled weight decay, on matrices only");
  add("beta1", po::value(&s.beta1)->default_value(s.beta1), "AdamW beta1");
  add("beta2", po::value(&s.beta2)->default_value(s.beta2), "AdamW beta2");
  add("eps", po::value(&s.eps)->default_value(s.eps), "AdamW epsilon");
  add("clip", po::value(&s.clip)->default_value(s.clip), "maximum global gradient norm; 0: no clipping");
  add("seed", po::value(&s.seed)->default_value(s.seed), "seed of the data order");
  add("no-shuffle", po::bool_switch(&s.no_shuffle),
      "take windows in corpus order: window i is tokens [i*context, (i+1)*context], batch j is windows "
      "j*batch..j*batch+batch-1, wrapping around (see engine/include/ckernel/engine/train/batches.h)");
  add("val-fraction", po::value(&s.val_fraction)->default_value(s.val_fraction),
      "share of the token stream (its end) held out for validation, in [0, 0.5]");
}

train::TrainMetadata settings_metadata(const RunSettings& s) {
  return {{"steps", static_cast<uint64_t>(s.steps)},      {"batch", static_cast<uint64_t>(s.batch)},
          {"context", static_cast<uint64_t>(s.context)},  {"accumulate", static_cast<uint64_t>(s.accumulate)},
          {"warmup", static_cast<uint64_t>(s.warmup)},    {"lr", s.lr},
          {"min_lr", s.min_lr},                            {"weight_decay", s.weight_decay},
          {"beta1", s.beta1},                              {"beta2", s.beta2},
          {"eps", s.eps},                                  {"clip", s.clip},
          {"val_fraction", s.val_fraction},                {"schedule", s.schedule},
          {"seed", s.seed},                                {"shuffle", !s.no_shuffle}};
}

// The stored settings, except those given on this command line (a warning says the run then differs from
// an uninterrupted one).
void restore_settings(const GgufFile& state, const po::variables_map& vm, RunSettings& s) {
  auto u = [&](const char* key, const char* option, int64_t& v) {
    if (auto x = state.get_uint(std::string("ckernel.train.") + key); x && vm[option].defaulted())
      v = static_cast<int64_t>(*x);
  };
  auto f = [&](const char* key, const char* option, double& v) {
    if (auto x = state.get_float(std::string("ckernel.train.") + key); x && vm[option].defaulted()) v = *x;
  };
  u("steps", "steps", s.steps), u("batch", "batch", s.batch), u("context", "context", s.context);
  u("accumulate", "accumulate", s.accumulate), u("warmup", "warmup", s.warmup);
  f("lr", "lr", s.lr), f("min_lr", "min-lr", s.min_lr), f("weight_decay", "weight-decay", s.weight_decay);
  f("beta1", "beta1", s.beta1), f("beta2", "beta2", s.beta2), f("eps", "eps", s.eps), f("clip", "clip", s.clip);
  f("val_fraction", "val-fraction", s.val_fraction);
  if (auto x = state.get_string("ckernel.train.schedule"); x && vm["schedule"].defaulted()) s.schedule = *x;
  if (auto x = state.get_uint("ckernel.train.seed"); x && vm["seed"].defaulted()) s.seed = *x;
  if (auto x = state.get_bool("ckernel.train.shuffle"); x && !vm["no-shuffle"].as<bool>()) s.no_shuffle = !*x;
  for (const char* option : {"batch", "context", "accumulate", "warmup", "lr", "min-lr", "weight-decay", "beta1",
                             "beta2", "eps", "clip", "seed", "val-fraction", "schedule", "no-shuffle"})
    if (vm.count(option) && !vm[option].defaulted())
      std::fprintf(stderr, "cktrain run: warning: --%s given on resume: the run no longer equals an uninterrupted one\n",
                   option);
}

}  // namespace

int run_command(const std::vector<std::string>& args) {
  RunSettings s;
  std::string model_path, output, resume, json_log;
  std::vector<std::string> data;
  int64_t checkpoint_every = 100, val_every = 100, val_batches = 0;
  int threads = 1;
  po::options_description options("Options");
  options.add_options()("model", po::value(&model_path), "the model to train (F32, F16 or BF16 GGUF)")(
      "data,d", po::value(&data)->composing(), "text file or directory (repeatable; see `Data` below)")(
      "output,o", po::value(&output), "checkpoint model file: writes OUT.gguf and OUT.train.gguf")(
      "resume", po::value(&resume), "continue from a checkpoint's .train.gguf (MODEL may then be left out)")(
      "checkpoint-every", po::value(&checkpoint_every)->default_value(checkpoint_every),
      "steps between checkpoints (and one at the end); 0: only at the end")(
      "val-every", po::value(&val_every)->default_value(val_every), "steps between validations; 0: only at the end")(
      "val-batches", po::value(&val_batches)->default_value(val_batches),
      "micro-batches per validation; 0: the whole validation part")(
      "json-log", po::value(&json_log), "append one JSON object per step and per validation to this file")(
      "threads,t", po::value(&threads)->default_value(threads), "threads (results do not depend on it)");
  add_run_options(options, s);
  po::variables_map vm;
  if (!parse_command_line(
          args,
          "Usage: cktrain run MODEL.gguf --data PATH [--data PATH...] -o OUT.gguf [options]\n"
          "       cktrain run --resume OUT.train.gguf --data PATH... -o OUT.gguf [options]\n\n"
          "Trains MODEL in fp32 with AdamW on the text of the --data files, shows progress, validates on\n"
          "the held-out end of the data, and writes checkpoints: OUT.gguf (a model ckrun and llama.cpp\n"
          "load) and OUT.train.gguf (what --resume needs). Each file is written atomically; a kill keeps\n"
          "the last checkpoint, and a resume continues bit for bit as if never stopped. SIGINT/SIGTERM\n"
          "finish the step, write a checkpoint and stop.\n\n"
          "Data: files in the order given, directories recursively in sorted path order (hidden files\n"
          "skipped); each file is one document, tokenized with the model's tokenizer with its BOS/EOS.\n",
          options, "model", 1, vm))
    return kExitOk;
  if (output.empty()) throw UsageError{"-o OUT.gguf is required"};
  if (data.empty()) throw UsageError{"--data is required"};
  if (model_path.empty() && resume.empty()) throw UsageError{"name the MODEL to train, or --resume a checkpoint"};

  // The state file of a resume is a model too (with the optimizer's tensors beside the weights).
  const std::string start_path = resume.empty() ? model_path : resume;
  std::fprintf(stderr, "cktrain run: loading %s\n", start_path.c_str());
  const std::shared_ptr<const Model> model = Model::load(start_path);
  if (!resume.empty()) restore_settings(model->file(), vm, s);
  if (!resume.empty() && !model_path.empty()) {
    const std::shared_ptr<const Model> named = Model::load(model_path);
    const ModelConfig& c = named->config();
    const ModelConfig& r = model->config();
    if (c.architecture != r.architecture || c.n_embd != r.n_embd || c.n_layer != r.n_layer || c.n_vocab != r.n_vocab ||
        c.n_head != r.n_head || c.n_head_kv != r.n_head_kv || c.n_ff != r.n_ff || c.tied_output != r.tied_output)
      throw train::TrainError("the checkpoint " + resume + " belongs to another model than " + model_path);
  }
  ModelConfig config = model->config();
  if (s.context == 0) s.context = config.n_ctx_train;
  if (s.min_lr < 0) s.min_lr = s.lr / 10;

  TrainingData training_data = load_training_data(*model, data, s.val_fraction);
  train::TrainOptions o;
  o.batch = s.batch, o.context = s.context, o.accumulate = s.accumulate, o.threads = threads, o.clip = s.clip;
  o.adamw = {s.beta1, s.beta2, s.eps, s.weight_decay};
  o.schedule = {train::parse_schedule(s.schedule), s.lr, s.min_lr, s.warmup, s.steps};
  train::ParameterLayout layout(config);
  train::Trainer trainer(config, train::parameters_from_model(*model, layout), o);
  train::BatchSampler sampler(training_data.corpus.train_tokens(), {s.context, s.batch, !s.no_shuffle, s.seed});
  // Fails now, not at the first validation, when the held-out part is shorter than one window.
  train::EvalBatches(training_data.corpus.validation_tokens(), s.context, s.batch);
  if (!resume.empty()) {
    train::read_optimizer_state(model->file(), trainer.layout(), trainer.optimizer());
    sampler.restore(read_sampler_state(model->file()));
    check_same_data(model->file(), training_data);
  }
  const train::CheckpointPaths paths = train::CheckpointPaths::for_model(output);
  std::fprintf(stderr,
               "cktrain run: %s, %lld training tokens, %lld validation tokens; batch %lld x %lld tokens x %lld "
               "accumulated, %lld steps, %d threads, %.0f MiB of activations\n",
               config.name.c_str(), static_cast<long long>(training_data.corpus.train_tokens().size()),
               static_cast<long long>(training_data.corpus.validation_tokens().size()), static_cast<long long>(s.batch),
               static_cast<long long>(s.context), static_cast<long long>(s.accumulate),
               static_cast<long long>(s.steps), threads, static_cast<double>(trainer.activation_bytes()) / (1 << 20));

  Progress progress(s.steps, json_log);
  auto validate = [&](int64_t step) {
    if (training_data.corpus.validation_tokens().empty()) return;
    progress.validation(step, evaluation_loss(trainer, training_data.corpus.validation_tokens(), val_batches));
  };
  auto checkpoint = [&] {
    train::TrainMetadata metadata = settings_metadata(s);
    add_sampler_state(metadata, sampler.state());
    add_data_identity(metadata, training_data);
    train::write_checkpoint(paths, config, trainer.layout(), trainer.parameters(), trainer.optimizer(),
                            model->file(), metadata);
    progress.checkpoint(trainer.optimizer().step(), paths.model);
  };
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  const train::BatchSource next_batch = [&](std::span<int32_t> out) { sampler.next(out); };
  while (trainer.optimizer().step() < s.steps && g_stop_signal == 0) {
    progress.step(trainer.step(next_batch));
    const int64_t step = trainer.optimizer().step();
    if (val_every > 0 && step % val_every == 0 && step < s.steps) validate(step);
    if (checkpoint_every > 0 && step % checkpoint_every == 0 && step < s.steps) checkpoint();
  }
  progress.finish_line();
  if (g_stop_signal != 0) {
    std::fprintf(stderr, "cktrain run: stopped by signal %d at step %lld\n", static_cast<int>(g_stop_signal),
                 static_cast<long long>(trainer.optimizer().step()));
    checkpoint();
    return 128 + g_stop_signal;
  }
  validate(trainer.optimizer().step());
  checkpoint();
  return kExitOk;
}

}  // namespace ck::cktrain
