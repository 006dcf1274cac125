// cktrain vocab's SentencePiece glue: a small vocabulary trained on generated text must load as a llama
// vocabulary in ckernel's Tokenizer and tokenize every text exactly as SentencePiece itself does.
#include <gtest/gtest.h>
#include <sentencepiece_processor.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/tokenizer.h"
#include "ckernel/engine/train/corpus.h"
#include "sentencepiece_log.h"
#include "sentencepiece_vocab.h"

namespace ck::cktrain {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "cktrain_vocab_test.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// About 20 KB of English-like paragraphs from a fixed generator: varied enough for a few hundred merges,
// with some non-ASCII ("café", "naïve") and digits, but no emoji (those must fall back to bytes).
std::string generated_document(int document) {
  static const char* subjects[] = {"The old sailor", "A young teacher", "My neighbour", "The quiet child",
                                   "Her brother",    "The doctor",      "Everyone",     "The café owner"};
  static const char* verbs[] = {"walked to",   "talked about", "remembered", "painted",
                                "wrote about", "visited",      "thought of", "laughed at"};
  static const char* objects[] = {"the harbour", "a naïve idea",    "the mountains",  "the evening train",
                                  "her garden",  "the long winter", "an open window", "the river"};
  static const char* tails[] = {
      " before dinner.",   ", and nobody noticed.", " in 1897.",        "; it was raining.", "!",
      " again and again.", ", didn't they?",        " with 42 friends."};
  std::string text;
  uint64_t state = 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(document + 1);
  const auto next = [&state](int n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((state >> 33) % static_cast<uint64_t>(n));
  };
  for (int paragraph = 0; paragraph < 6; ++paragraph) {
    for (int sentence = 0; sentence < 5; ++sentence) {
      if (sentence > 0) text += ' ';
      text += std::string(subjects[next(8)]) + " " + verbs[next(8)] + " " + objects[next(8)] + tails[next(8)];
    }
    text += "\n\n";
  }
  return text;
}

class VocabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    fs::create_directories(dir_->path() / "data");
    for (int d = 0; d < 4; ++d)
      write_file(dir_->path() / "data" / ("doc" + std::to_string(d) + ".txt"), generated_document(d));
    const TrainingText text = read_training_text({dir_->path() / "data"});
    VocabTrainingOptions options;
    options.vocab_size = 512;
    model_ = new std::string(train_sentencepiece(text, options));
    const fs::path gguf = dir_->path() / "vocab.gguf";
    llama_vocabulary(*model_, "test vocabulary", sentencepiece_trainer_arguments(options)).write(gguf);
    file_ = GgufFile::open(gguf).release();
  }
  static void TearDownTestSuite() {
    delete file_;
    delete model_;
    delete dir_;
  }

  static TempDir* dir_;
  static std::string* model_;
  static GgufFile* file_;
};
TempDir* VocabTest::dir_ = nullptr;
std::string* VocabTest::model_ = nullptr;
GgufFile* VocabTest::file_ = nullptr;

TEST_F(VocabTest, IsLaidOutAsLlamasSentencePieceVocabulary) {
  const Tokenizer tokenizer = Tokenizer::from_gguf(*file_);
  EXPECT_EQ(tokenizer.model(), "llama");
  EXPECT_EQ(tokenizer.n_vocab(), 512);
  EXPECT_EQ(tokenizer.token_text(0), "<unk>");
  EXPECT_EQ(tokenizer.kind(0), TokenKind::unknown);
  EXPECT_EQ(tokenizer.token_text(1), "<s>");
  EXPECT_EQ(tokenizer.kind(1), TokenKind::control);
  EXPECT_EQ(tokenizer.token_text(2), "</s>");
  EXPECT_EQ(tokenizer.kind(2), TokenKind::control);
  EXPECT_EQ(tokenizer.token_text(3), "<0x00>");
  EXPECT_EQ(tokenizer.token_text(3 + 0x0A), "<0x0A>");
  EXPECT_EQ(tokenizer.token_text(258), "<0xFF>");
  for (TokenId id = 3; id <= 258; ++id) EXPECT_EQ(tokenizer.kind(id), TokenKind::byte) << id;
  for (TokenId id = 259; id < 512; ++id) EXPECT_EQ(tokenizer.kind(id), TokenKind::normal) << id;
  EXPECT_EQ(tokenizer.bos(), 1);
  EXPECT_EQ(tokenizer.eos(), 2);
  EXPECT_TRUE(tokenizer.adds_bos());
  EXPECT_EQ(file_->get_uint("tokenizer.ggml.unknown_token_id"), 0u);
  EXPECT_EQ(file_->get_bool("tokenizer.ggml.add_eos_token"), false);
  // Learned pieces start words with U+2581 and have scores that order the merges.
  bool word_piece = false;
  for (TokenId id = 259; id < 512; ++id) word_piece |= tokenizer.token_text(id).starts_with("\xE2\x96\x81");
  EXPECT_TRUE(word_piece);
  const std::vector<TokenId> sailor = tokenizer.encode("The old sailor", true, false);
  ASSERT_FALSE(sailor.empty());
  EXPECT_EQ(sailor.front(), 1);  // BOS
}

TEST_F(VocabTest, TokenizesExactlyAsSentencePiece) {
  const Tokenizer tokenizer = Tokenizer::from_gguf(*file_);
  sentencepiece::SentencePieceProcessor processor;
  ASSERT_TRUE(processor.LoadFromSerializedProto(*model_).ok());
  const std::vector<std::string> texts = {
      "The old sailor walked to the harbour.",
      " leading space",
      "trailing space ",
      "  two leading, three   inside,  two trailing  ",
      "Digits: 1897, 42 and 3.14159 and 0000.",
      "Punctuation!? (yes) -- \"quoted\"; 'single' [x] {y} #1 @home 50% a&b*c/d\\e",
      "a café and a naïve résumé",
      "emoji \xF0\x9F\x98\x80 and \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD here",  // U+1F600, U+1F44D U+1F3FD
      "line one\nline two\n\nafter a blank line\n",
      "\ttab\tseparated\t",
      "\xE2\x96\x81 a literal U+2581 and \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",  // and Japanese
      "x",
      " ",
      "",
  };
  for (const std::string& text : texts) {
    std::vector<int> expected;
    ASSERT_TRUE(processor.Encode(text, &expected).ok()) << text;
    const std::vector<TokenId> ids = tokenizer.encode(text, /*add_special=*/false, /*parse_special=*/false);
    EXPECT_EQ(std::vector<int>(ids.begin(), ids.end()), expected) << "text: \"" << text << "\"";
    // A literal U+2581 is SentencePiece's own escape for a space: it comes back as a space in all three.
    const bool literal_space_mark = text.find("\xE2\x96\x81") != std::string::npos;
    std::string decoded;
    ASSERT_TRUE(processor.Decode(expected, &decoded).ok());
    EXPECT_EQ(tokenizer.decode(ids), decoded);
    if (!literal_space_mark) {
      EXPECT_EQ(decoded, text);
    }
  }
}

TEST_F(VocabTest, TrainingIsReproducible) {
  const TrainingText text = read_training_text({dir_->path() / "data"});
  VocabTrainingOptions options;
  options.vocab_size = 512;
  EXPECT_EQ(train_sentencepiece(text, options), *model_);
}

TEST(VocabTrainingText, RefusesMissingAndEmptyData) {
  TempDir dir;
  EXPECT_THROW(read_training_text({dir.path() / "absent"}), train::CorpusError);
  EXPECT_THROW(read_training_text({dir.path()}), train::CorpusError);  // no documents
  write_file(dir.path() / "blank.txt", "\n\n\n");
  try {
    read_training_text({dir.path()});
    FAIL() << "a corpus of blank lines was accepted";
  } catch (const train::CorpusError& e) {
    EXPECT_NE(std::string(e.what()).find("no non-empty line"), std::string::npos) << e.what();
  }
  write_file(dir.path() / "latin1.txt", "caf\xE9\n");
  EXPECT_THROW(read_training_text({dir.path()}), train::CorpusError);
}

TEST(VocabTraining, RefusesAVocabularyTooLargeForTheText) {
  TrainingText text;
  text.lines = {"tiny text"};
  VocabTrainingOptions options;
  options.vocab_size = 5000;
  EXPECT_THROW(train_sentencepiece(text, options), std::runtime_error);
}

TEST(SentencePieceLogFilter, ShortensTheTrainersLog) {
  SentencePieceLogFilter filter(false);
  EXPECT_EQ(filter.line("sentencepiece_trainer.cc(77) LOG(INFO) Starts training with : "), "");
  EXPECT_EQ(filter.line("trainer_spec {"), "");
  EXPECT_EQ(filter.line("  vocab_size: 8000"), "");
  EXPECT_EQ(filter.line("denormalizer_spec {}"), "");
  EXPECT_EQ(filter.line("trainer_interface.cc(406) LOG(INFO) Loaded all 25674 sentences"),
            "sentencepiece: Loaded all 25674 sentences\n");
  EXPECT_EQ(filter.line("trainer_interface.cc(422) LOG(INFO) Adding meta_piece: <0x00>"), "");
  const std::string progress = filter.line(
      "bpe_model_trainer.cc(258) LOG(INFO) Added: freq=42 size=7660 all=69086 active=3500 piece=▁re");
  EXPECT_TRUE(progress.starts_with("\rsentencepiece: 7660 pieces merged, the latest ▁re")) << progress;
  EXPECT_EQ(filter.line("trainer_interface.cc(685) LOG(WARNING) odd"), "\nsentencepiece: WARNING: odd\n");
  EXPECT_EQ(filter.finish(), "");
  SentencePieceLogFilter verbose(true);
  EXPECT_EQ(verbose.line("trainer_spec {"), "trainer_spec {\n");
}

}  // namespace
}  // namespace ck::cktrain
