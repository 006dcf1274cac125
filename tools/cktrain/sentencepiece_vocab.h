// Training a SentencePiece vocabulary (Debian's libsentencepiece) and writing it as a GGUF vocabulary in
// llama's SentencePiece format, as llama.cpp's convert script writes llama's own.
//
// The trainer is configured like llama's tokenizer.model so that the one vocabulary tokenizes a text alike
// in SentencePiece, in ckernel's Tokenizer and in llama.cpp:
//   - identity normalization and no removal of extra whitespace: the text's bytes are the tokens' bytes;
//   - a dummy prefix: SentencePiece puts "▁" before the text, as llama.cpp and ckernel add a space before it
//     (tokenizer.ggml.add_space_prefix), and both drop it again when decoding;
//   - byte fallback: <0x00>..<0xFF> at ids 3..258 spell whatever is not a piece, so there is no <unk>
//     in practice;
//   - digits split one by one, whitespace-only pieces allowed (runs of spaces as in code and verse).
// With the BPE model, SentencePiece segments by merging the best-scored adjacent pair first, which is
// what llama.cpp's and ckernel's SentencePiece tokenizers do, so the ids agree. A unigram model is
// segmented by Viterbi in SentencePiece but still by merging in llama.cpp and ckernel, so its ids can differ.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ckernel/engine/gguf_writer.h"

namespace ck::cktrain {

// What the trainer learns from: every non-empty line of the documents is one SentencePiece "sentence"
// (a line break never falls inside a piece, as SentencePiece reads text line by line).
struct TrainingText {
  std::vector<std::string> lines;
  uint64_t bytes = 0;  // of all documents
  size_t documents = 0;
};

// The inputs' documents, chosen as `cktrain run` chooses them (files, or directories recursively; see
// ckernel/engine/train/corpus.h). train::CorpusError when an input is missing, a file is not UTF-8, or no
// document has a non-empty line.
TrainingText read_training_text(const std::vector<std::filesystem::path>& inputs);

struct VocabTrainingOptions {
  int vocab_size = 8000;           // all pieces: <unk>, <s>, </s>, 256 bytes, and the learned ones
  std::string model_type = "bpe";  // "bpe" or "unigram"
  uint32_t seed = 1;               // SentencePiece's random generator (sampling, unigram's seeding)
  bool verbose = false;            // SentencePiece's own log, unfiltered
};

// The SentencePiece option string for these options (also recorded in the GGUF file).
std::string sentencepiece_trainer_arguments(const VocabTrainingOptions& options);

// Trains and returns the serialized SentencePiece model (what spm_train writes as .model).
// std::runtime_error with SentencePiece's message when it refuses (e.g. a vocabulary too large for the text).
std::string train_sentencepiece(const TrainingText& text, const VocabTrainingOptions& options);

// The GGUF vocabulary of a serialized SentencePiece model: general.name plus the tokenizer.ggml.* keys
// (model "llama", tokens, scores, token types, BOS/EOS/UNK ids, add_bos_token, add_eos_token, ...).
// `recipe` is recorded as ckernel.vocab.trainer. std::runtime_error when the model's special pieces are not
// laid out as llama's (<unk> 0, <s> 1, </s> 2).
GgufWriter llama_vocabulary(const std::string& serialized_model, const std::string& name,
                            const std::string& recipe);

}  // namespace ck::cktrain
