#include "sentencepiece_vocab.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <stdexcept>
#include <thread>

#include "ckernel/engine/tokenizer.h"
#include "ckernel/engine/train/corpus.h"
#include "ckernel/engine/train/document_files.h"
#include "ckernel/json/utf8.h"
#include "sentencepiece_log.h"

namespace ck::cktrain {
namespace {

// Longer lines are dropped by SentencePiece; a paragraph of a novel can run to several kilobytes.
constexpr int kMaxLineBytes = 1 << 16;

// Hands the lines to SentencePiece without a temporary file.
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::vector<std::string>& lines) : lines_(lines) {}
  bool done() const override { return next_ >= lines_.size(); }
  void Next() override { ++next_; }
  const std::string& value() const override { return lines_[next_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& lines_;
  size_t next_ = 0;
};

void check(const sentencepiece::util::Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error(what + ": " + status.ToString());
}

}  // namespace

TrainingText read_training_text(const std::vector<std::filesystem::path>& inputs) {
  if (inputs.empty()) throw train::CorpusError("no --data given");
  TrainingText text;
  for (const train::DocumentFile& file : train::list_document_files(inputs)) {
    const std::string bytes = train::read_document(file.path);
    if (const auto bad = first_invalid_utf8(bytes))
      throw train::CorpusError(file.path.string() + ": not valid UTF-8 at byte offset " +
                               std::to_string(*bad));
    for (size_t start = 0; start < bytes.size();) {
      size_t end = bytes.find('\n', start);
      if (end == std::string::npos) end = bytes.size();
      if (end > start) text.lines.emplace_back(bytes, start, end - start);
      start = end + 1;
    }
    text.bytes += bytes.size();
    ++text.documents;
  }
  if (text.lines.empty())
    throw train::CorpusError("no text to learn from: the " + std::to_string(text.documents) +
                             " documents of the --data inputs hold no non-empty line");
  return text;
}

std::string sentencepiece_trainer_arguments(const VocabTrainingOptions& o) {
  if (o.model_type != "bpe" && o.model_type != "unigram")
    throw std::invalid_argument("--model-type " + o.model_type + " is not one of bpe, unigram");
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  // llama's tokenizer.model trainer_spec and normalizer_spec, less what only concerns its scale.
  return "--model_type=" + o.model_type + " --vocab_size=" + std::to_string(o.vocab_size) +
         " --normalization_rule_name=identity --add_dummy_prefix=true --remove_extra_whitespaces=false"
         " --byte_fallback=true --split_digits=true --allow_whitespace_only_pieces=true"
         " --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 --character_coverage=0.9995"
         " --max_sentence_length=" +
         std::to_string(kMaxLineBytes) + " --num_threads=" + std::to_string(threads);
}

std::string train_sentencepiece(const TrainingText& text, const VocabTrainingOptions& options) {
  const std::string arguments = sentencepiece_trainer_arguments(options);
  sentencepiece::SetRandomGeneratorSeed(options.seed);
  LineIterator lines(text.lines);
  std::string model;
  sentencepiece::util::Status status;
  {
    const SentencePieceLog log(options.verbose);
    status = sentencepiece::SentencePieceTrainer::Train(arguments, &lines, &model);
  }
  check(status, "SentencePiece could not train the vocabulary");
  return model;
}

GgufWriter llama_vocabulary(const std::string& serialized_model, const std::string& name,
                            const std::string& recipe) {
  sentencepiece::SentencePieceProcessor processor;
  check(processor.LoadFromSerializedProto(serialized_model), "not a SentencePiece model");
  if (processor.unk_id() != 0 || processor.bos_id() != 1 || processor.eos_id() != 2)
    throw std::runtime_error(
        "the SentencePiece model's <unk>, <s>, </s> are not at ids 0, 1, 2 as in llama's");

  const int n = processor.GetPieceSize();
  std::vector<std::string> tokens(n);
  std::vector<float> scores(n);
  std::vector<int32_t> types(n);
  for (int id = 0; id < n; ++id) {
    tokens[id] = processor.IdToPiece(id);
    scores[id] = processor.GetScore(id);
    // The order of the tests is convert_hf_to_gguf.py's.
    TokenKind kind = TokenKind::normal;
    if (processor.IsUnknown(id)) {
      kind = TokenKind::unknown;
    } else if (processor.IsControl(id)) {
      kind = TokenKind::control;
    } else if (processor.IsUnused(id)) {
      kind = TokenKind::unused;
    } else if (processor.IsByte(id)) {
      kind = TokenKind::byte;
    }
    types[id] = static_cast<int32_t>(kind);
  }

  GgufWriter writer;
  writer.set("general.name", name);
  writer.set("tokenizer.ggml.model", "llama");
  writer.set("tokenizer.ggml.pre", "default");
  writer.set("tokenizer.ggml.tokens", tokens);
  writer.set("tokenizer.ggml.scores", scores);
  writer.set("tokenizer.ggml.token_type", types);
  writer.set("tokenizer.ggml.add_space_prefix", true);  // SentencePiece's add_dummy_prefix
  writer.set("tokenizer.ggml.bos_token_id", uint32_t{1});
  writer.set("tokenizer.ggml.eos_token_id", uint32_t{2});
  writer.set("tokenizer.ggml.unknown_token_id", uint32_t{0});
  writer.set("tokenizer.ggml.add_bos_token", true);
  writer.set("tokenizer.ggml.add_eos_token", false);
  writer.set("ckernel.vocab.trainer", recipe);
  return writer;
}

}  // namespace ck::cktrain
