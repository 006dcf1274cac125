#include "ckernel/engine/train/corpus.h"

#include <cmath>
#include <cstdio>

#include "ckernel/engine/train/document_files.h"
#include "ckernel/json/utf8.h"

namespace ck::train {
namespace {

std::string hex_byte(uint8_t b) {
  char text[5];
  std::snprintf(text, sizeof(text), "0x%02X", b);
  return text;
}

std::string describe_inputs(std::span<const std::filesystem::path> inputs) {
  std::string names;
  for (const std::filesystem::path& input : inputs) {
    if (!names.empty()) names += ", ";
    names += input.string();
  }
  return names;
}

}  // namespace

uint64_t validation_token_count(uint64_t n_tokens, double val_fraction) {
  if (!(val_fraction >= 0.0 && val_fraction <= 0.5)) {
    throw std::invalid_argument("val_fraction " + std::to_string(val_fraction) + " is outside [0, 0.5]");
  }
  return static_cast<uint64_t>(std::ceil(val_fraction * static_cast<double>(n_tokens)));
}

TokenCorpus TokenCorpus::load(const Tokenizer& tokenizer, std::span<const std::filesystem::path> inputs,
                              const CorpusOptions& options) {
  validation_token_count(0, options.val_fraction);  // reject a bad fraction before any work
  if (inputs.empty()) throw CorpusError("no corpus inputs given");

  const std::vector<DocumentFile> files = list_document_files(inputs);
  if (files.empty()) {
    throw CorpusError(describe_inputs(inputs) + ": empty corpus: no documents (regular, non-hidden files)");
  }
  uint64_t bytes_total = 0;
  for (const DocumentFile& file : files) bytes_total += file.bytes;

  TokenCorpus corpus;
  uint64_t bytes_done = 0;
  for (const DocumentFile& file : files) {
    const std::string text = read_document(file.path);
    if (const std::optional<size_t> bad = first_invalid_utf8(text)) {
      throw CorpusError(file.path.string() + ": not valid UTF-8 at byte offset " + std::to_string(*bad) +
                        " (byte " + hex_byte(static_cast<uint8_t>(text[*bad])) + ")");
    }
    CorpusDocument document{.path = file.path, .bytes = text.size(), .first_token = corpus.tokens_.size()};
    if (!text.empty()) {
      const std::vector<TokenId> ids = tokenizer.encode(text, /*add_special=*/true, /*parse_special=*/false);
      corpus.tokens_.insert(corpus.tokens_.end(), ids.begin(), ids.end());
      document.token_count = ids.size();
    }
    corpus.documents_.push_back(std::move(document));
    bytes_done += text.size();
    bytes_total = std::max(bytes_total, bytes_done);  // a file that grew since it was listed
    if (options.progress) options.progress(bytes_done, bytes_total);
  }
  if (corpus.tokens_.empty()) {
    throw CorpusError(describe_inputs(inputs) + ": empty corpus: " + std::to_string(files.size()) +
                      " document(s), no tokens");
  }
  corpus.train_count_ =
      corpus.tokens_.size() - validation_token_count(corpus.tokens_.size(), options.val_fraction);
  return corpus;
}

}  // namespace ck::train
