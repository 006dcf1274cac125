// The training corpus: text files tokenized with the model's tokenizer into one token stream, with the
// tail of the stream held out for validation.
//
// Which files, in which order:
//   - The inputs are taken in the order given. An input that is a regular file (or a symlink to one) is one
//     document, hidden or not. An input that is a directory contributes every regular file below it,
//     recursively, sorted by the bytes of their paths (unsigned byte order, as memcmp compares), so the
//     order does not depend on the file system. Below a directory, entries whose name starts with '.' are
//     skipped (hidden directories are not entered); symlinks are followed only when they lead to a regular
//     file (a symlink to a directory is not entered, so links cannot loop); FIFOs, sockets, devices and
//     dangling symlinks are skipped.
//   - An input that does not exist, or is neither a regular file nor a directory (e.g. a FIFO), is an error.
//     Files are opened with O_NONBLOCK and checked to be regular after opening, so a FIFO swapped in
//     cannot block the load.
//
// How a document becomes tokens:
//   - Its bytes must be valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points above
//     U+10FFFF); otherwise a CorpusError names the file and the byte offset where the ill-formed sequence
//     starts. A UTF-8 byte order mark is ordinary text.
//   - A non-empty document is tokenized as one string with Tokenizer::encode(text, add_special=true,
//     parse_special=false): BOS comes first when the vocabulary adds BOS (tokenizer.ggml.add_bos_token,
//     or the tokenizer model's default), EOS comes last when it adds EOS (tokenizer.ggml.add_eos_token),
//     and text that spells a control token, such as "<s>", is tokenized as text. The tokens are thus
//     exactly those of encoding the whole file at once. (Documents are not cut into pieces: a
//     SentencePiece vocabulary puts a space before the start of every encoded string, so pieces would not
//     add up to the whole.)
//   - An empty file (0 bytes) adds no tokens, not even BOS or EOS.
//   - The documents' tokens are concatenated in file order into one stream. A stream without tokens is an
//     error (an empty corpus).
//
// The validation split: with val_fraction f in [0, 0.5] and n tokens in the stream, the last
// n_val = ceil(f * n) tokens (f * n computed in IEEE double precision) are the validation part and the
// first n - n_val the training part. The split ignores document boundaries. With f = 0 there is no
// validation part. Whether the validation part holds at least one window depends on the context, so
// EvalBatches (batches.h) tells that apart: no validation tokens at all gives zero windows, a part shorter
// than one window is a CorpusError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ckernel/engine/tokenizer.h"

namespace ck::train {

// A corpus that cannot be used; what() names the file (or the inputs) and the problem.
class CorpusError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Called after each document with the bytes of the documents read so far and the bytes of all documents
// (sizes as listed before reading). A document is tokenized in one go, so a single huge file reports once.
using CorpusProgress = std::function<void(uint64_t bytes_done, uint64_t bytes_total)>;

struct CorpusOptions {
  double val_fraction = 0.0;     // in [0, 0.5]; std::invalid_argument otherwise
  CorpusProgress progress = {};  // optional
};

struct CorpusDocument {
  std::filesystem::path path;  // as reached from the input (input path joined with the relative path)
  uint64_t bytes = 0;
  uint64_t first_token = 0;  // position in TokenCorpus::tokens()
  uint64_t token_count = 0;  // BOS and EOS included; 0 for an empty file
};

class TokenCorpus {
 public:
  // Lists, reads, validates and tokenizes the inputs as described at the top of this file.
  static TokenCorpus load(const Tokenizer& tokenizer, std::span<const std::filesystem::path> inputs,
                          const CorpusOptions& options = {});

  std::span<const TokenId> tokens() const { return tokens_; }  // the whole stream
  std::span<const TokenId> train_tokens() const { return tokens().first(train_count_); }
  std::span<const TokenId> validation_tokens() const { return tokens().subspan(train_count_); }
  const std::vector<CorpusDocument>& documents() const { return documents_; }

 private:
  std::vector<TokenId> tokens_;
  size_t train_count_ = 0;
  std::vector<CorpusDocument> documents_;
};

// n_val of the split above; exposed so a caller can report the sizes before loading.
uint64_t validation_token_count(uint64_t n_tokens, double val_fraction);

}  // namespace ck::train
