// cktrain vocab: a SentencePiece vocabulary learned from text, written as a llama-format GGUF vocabulary.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/tokenizer.h"
#include "command_line.h"
#include "commands.h"
#include "sentencepiece_vocab.h"

namespace ck::cktrain {

int vocab_command(const std::vector<std::string>& args) {
  std::vector<std::string> data;
  std::string output;
  VocabTrainingOptions options;
  po::options_description described("Options");
  described.add_options()("data", po::value(&data)->multitoken()->required(),
                          "text files or directories of them (UTF-8), as for `cktrain run`")(
      "size", po::value(&options.vocab_size)->required(),
      "tokens in the vocabulary, the 259 fixed ones included (<unk> <s> </s> and 256 bytes)")(
      "output,o", po::value(&output)->required(), "the GGUF vocabulary to write")(
      "model-type", po::value(&options.model_type)->default_value(options.model_type),
      "bpe (llama's; ids agree with SentencePiece) or unigram (SentencePiece segments it differently "
      "from llama.cpp and ckernel)")("seed", po::value(&options.seed)->default_value(options.seed),
                                     "SentencePiece's random seed")(
      "verbose", po::bool_switch(&options.verbose), "show SentencePiece's whole log");
  po::variables_map vm;
  if (!parse_command_line(
          args,
          "Usage: cktrain vocab --data PATH... --size N -o VOCAB.gguf [--model-type bpe|unigram] [--seed "
          "S]\n\n"
          "Learns a SentencePiece vocabulary from text and writes it as llama's SentencePiece vocabularies "
          "are\n"
          "written (tokenizer.ggml.model \"llama\"): <unk> <s> </s> at ids 0 1 2, the byte tokens "
          "<0x00>..<0xFF>\n"
          "for whatever is not a piece, then the learned pieces, spaces written as U+2581 \"\xE2\x96\x81\". "
          "Text is\n"
          "taken as it is (no normalization), a space is put before it, and digits stay single. The file is "
          "a\n"
          "vocabulary for `cktrain init --vocab`; ckernel, llama.cpp and SentencePiece tokenize alike with "
          "it.\n"
          "Every non-empty line of the data is one training sentence: keep a paragraph on one line.\n"
          "Sizes: 259 + the distinct characters at least; 4000 to 32000 suit a small English model.\n"
          "Example (scripts/make-corpus.sh builds a corpus):\n"
          "  cktrain vocab --data corpus/ --size 8000 -o vocab.gguf\n"
          "  cktrain init --vocab vocab.gguf --embd 256 --layers 4 --heads 4 --kv-heads 2 --ffn 768 \\\n"
          "    --context 256 -o small.gguf\n",
          described, "", 0, vm))
    return kExitOk;
  if (options.vocab_size < 260 || options.vocab_size > 1'000'000)
    throw UsageError{"--size " + std::to_string(options.vocab_size) +
                     " is outside 260..1000000 (259 tokens are fixed: <unk> <s> </s> and 256 bytes)"};
  if (options.model_type != "bpe" && options.model_type != "unigram")
    throw UsageError{"--model-type " + options.model_type + " is not one of bpe, unigram"};

  if (options.model_type == "unigram")
    std::fprintf(stderr,
                 "cktrain vocab: note: llama.cpp and ckernel segment a unigram vocabulary by merging pairs, "
                 "not by SentencePiece's Viterbi search, so their ids can differ from SentencePiece's\n");
  const auto start = std::chrono::steady_clock::now();
  const TrainingText text = read_training_text({data.begin(), data.end()});
  std::fprintf(stderr,
               "cktrain vocab: %zu documents, %.2f MB, %zu lines; training a %s vocabulary of %d tokens\n",
               text.documents, static_cast<double>(text.bytes) / 1e6, text.lines.size(),
               options.model_type.c_str(), options.vocab_size);
  const std::string model = train_sentencepiece(text, options);
  const std::string name = "ckernel SentencePiece " + options.model_type + " vocabulary of " +
                           std::to_string(options.vocab_size) + " tokens";
  llama_vocabulary(model, name,
                   sentencepiece_trainer_arguments(options) + " --seed " + std::to_string(options.seed))
      .write(output);

  const Tokenizer tokenizer = Tokenizer::from_gguf(*GgufFile::open(output));  // what was written must load
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "cktrain vocab: wrote %s: %d tokens in %.1f s\n", output.c_str(), tokenizer.n_vocab(),
               seconds);
  return kExitOk;
}

}  // namespace ck::cktrain
