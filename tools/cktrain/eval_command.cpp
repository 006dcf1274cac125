// cktrain eval: a model's mean cross-entropy and perplexity on text (every window of the text once).
#include <cmath>
#include <cstdio>
#include <iostream>

#include "ckernel/engine/train/parameters.h"
#include "ckernel/engine/train/trainer.h"
#include "ckernel/json/json.h"
#include "command_line.h"
#include "commands.h"
#include "training_data.h"

namespace ck::cktrain {

int eval_command(const std::vector<std::string>& args) {
  std::string model_path;
  std::vector<std::string> data;
  int64_t batch = 8, context = 0;
  int threads = 1;
  bool json = false;
  po::options_description options("Options");
  options.add_options()("model", po::value(&model_path), "the model (F32, F16 or BF16 GGUF)")(
      "data,d", po::value(&data)->composing(), "text file or directory (repeatable), as for cktrain run")(
      "batch,b", po::value(&batch)->default_value(batch), "windows evaluated together")(
      "context,c", po::value(&context)->default_value(context), "tokens per window; 0: the model's context")(
      "threads,t", po::value(&threads)->default_value(threads), "threads")(
      "json", po::bool_switch(&json), "print one JSON object");
  po::variables_map vm;
  if (!parse_command_line(args,
                          "Usage: cktrain eval MODEL.gguf --data PATH [--data PATH...] [options]\n\n"
                          "The mean cross-entropy (nats per token) and perplexity of MODEL on the text: the\n"
                          "token stream (documents tokenized as cktrain run does) is cut into windows of\n"
                          "context + 1 tokens with stride context, each evaluated once; a partial last\n"
                          "window is left out.\n",
                          options, "model", 1, vm))
    return kExitOk;
  if (model_path.empty()) throw UsageError{"name the MODEL to evaluate"};
  if (data.empty()) throw UsageError{"--data is required"};
  const std::shared_ptr<const Model> model = Model::load(model_path);
  const ModelConfig& config = model->config();
  if (context == 0) context = config.n_ctx_train;
  TrainingData text = load_training_data(*model, data, 0.0);
  const std::span<const TokenId> tokens = text.corpus.tokens();
  const int64_t windows = context > 0 ? (static_cast<int64_t>(tokens.size()) - 1) / context : 0;
  if (windows < 1)
    throw train::CorpusError("the text has " + std::to_string(tokens.size()) + " tokens, fewer than one window of " +
                             std::to_string(context + 1));
  train::TrainOptions o;
  o.batch = std::min(batch, windows);
  o.context = context;
  o.threads = threads;
  const train::ParameterLayout layout(config);
  train::Trainer trainer(config, train::parameters_from_model(*model, layout), o);
  const double loss = evaluation_loss(trainer, tokens, 0);
  if (json) {
    std::cout << Json(Json::Object{{"model", model_path},
                                   {"tokens", static_cast<int64_t>(windows * context)},
                                   {"windows", windows},
                                   {"context", context},
                                   {"loss", loss},
                                   {"perplexity", std::exp(loss)}})
                     .dump()
              << "\n";
  } else {
    std::printf("%s: loss %.4f nats/token, perplexity %.2f, over %lld windows of %lld tokens\n", model_path.c_str(),
                loss, std::exp(loss), static_cast<long long>(windows), static_cast<long long>(context));
  }
  return kExitOk;
}

}  // namespace ck::cktrain
