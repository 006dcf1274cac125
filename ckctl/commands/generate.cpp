// ckctl generate: text from a loaded model, printed piece by piece as ckd sends Piece signals.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>

#include "ckernel/api/generate_defaults.h"
#include "ckernel/api/sampling_limits.h"
#include "commands.h"
#include "human_text.h"
#include "number_argument.h"

namespace ck::ckctl {
namespace {

void add_generate_options(po::options_description& options) {
  static const std::string max_tokens_help =
      "tokens to generate at most (default " + std::to_string(api::kDefaultMaxTokens) + ")";
  static const std::string temperature_help =
      "temperature; 0 is greedy (default " + (std::ostringstream() << api::kDefaultTemperature).str() + ")";
  options.add_options()("n-predict,n", po::value<std::string>()->value_name("N"), max_tokens_help.c_str())(
      "temp", po::value<std::string>()->value_name("T"), temperature_help.c_str())(
      "seed", po::value<std::string>()->value_name("S"), "random seed, for repeatable sampling")(
      "top-k", po::value<std::string>()->value_name("K"), "sample among the K most likely tokens (0: all)")(
      "top-p", po::value<std::string>()->value_name("P"), "nucleus sampling threshold, 0 to 1 (1: off)");
}

// The ranges are ckd's (sampling_limits.h): refused here already, so that nothing bad is sent.
template <class T>
T parse_in_range(const char* option, const CommandContext& context, const api::OptionRange<T>& range) {
  return parse_number<T>(option, context.text(option), range.min, range.max);
}

CallOptions sampling_options(const CommandContext& context) {
  CallOptions options;
  if (context.given("n-predict")) {
    options.emplace_back("max_tokens", parse_in_range("n-predict", context, api::kMaxTokensRange));
  }
  if (context.given("temp"))
    options.emplace_back("temperature", parse_in_range("temp", context, api::kTemperatureRange));
  if (context.given("seed"))
    options.emplace_back("seed", parse_number<uint64_t>("seed", context.text("seed")));
  if (context.given("top-k"))
    options.emplace_back("top_k", parse_in_range("top-k", context, api::kTopKRange));
  if (context.given("top-p"))
    options.emplace_back("top_p", parse_in_range("top-p", context, api::kTopPRange));
  return options;
}

// Identifies our Piece signals; unique per process and call.
std::string request_id() {
  return "ckctl-" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}());
}

void write_text(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);  // a piece is shown as soon as it arrives
}

void print_stats(const BusValueMap& stats) {
  std::fprintf(
      stderr, "ckctl: prompt %s, generated %s, stop: %s\n",
      format_token_rate(unsigned_of(stats, "prompt_tokens"), double_of(stats, "prompt_seconds")).c_str(),
      format_token_rate(unsigned_of(stats, "generated_tokens"), double_of(stats, "generate_seconds")).c_str(),
      string_of(stats, "stop").c_str());
}

void run_generate(const CommandContext& context) {
  const std::string tenant = context.text("TENANT");
  const std::string model = context.text("NAME");
  const std::string prompt = context.text("PROMPT");
  CallOptions options = sampling_options(context);
  const std::string request = request_id();
  options.emplace_back("request", request);

  std::string printed;
  std::optional<SignalSubscription> pieces;
  if (!context.global.json) {
    pieces.emplace(context.bus.subscribe("Piece", [&](Message& signal) {
      if (signal.read_string() != request) return;
      const std::string piece = signal.read_string();
      write_text(piece);
      printed += piece;
    }));
  }
  MethodCall call = context.bus.manager_call("Generate");
  call.arg(tenant).arg(model).arg(prompt).arg(options);
  Message reply = context.bus.invoke(call, BusClient::Wait::until_done);
  const std::string text = reply.read_string();
  const BusValueMap stats = reply.read_dictionary();

  if (context.global.json) {
    std::cout << Json(Json::Object{{"tenant", tenant},
                                   {"model", model},
                                   {"prompt", prompt},
                                   {"text", text},
                                   {"stats", to_json(stats)}})
                     .dump()
              << "\n";
    return;
  }
  // The reply's text is authoritative; pieces only show progress. Print whatever they did not cover.
  if (text.starts_with(printed)) write_text(std::string_view(text).substr(printed.size()));
  write_text("\n");
  print_stats(stats);
}

}  // namespace

std::vector<CommandSpec> generate_commands() {
  return {{
      .name = "generate",
      .synopsis = "TENANT NAME PROMPT [-n N] [--temp T] [--seed S] [--top-k K] [--top-p P]",
      .summary = "generate text with a loaded model, printed as it is produced",
      .details = "The text goes to stdout piece by piece, then a newline; token counts and speeds go to\n"
                 "stderr. Options not given take ckd's defaults. Ctrl-C cancels the request in ckd; a\n"
                 "model that is still loading or restarting is waited for, within ckd's bound.",
      .examples = "generate alice chat 'Once upon a time' -n 64\n"
                  "generate alice chat 'The capital of France is' -n 16 --temp 0\n"
                  "generate alice chat 'Hello' --temp 0.7 --top-p 0.9 --seed 42 --json",
      .positionals = {"TENANT", "NAME", "PROMPT"},
      .add_options = add_generate_options,
      .run = run_generate,
  }};
}

}  // namespace ck::ckctl
