// TokenCorpus with real vocabularies on real files: which files, in which order, how they become tokens
// (BOS/EOS per document), what is refused and how, and the validation split.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/gguf_writer.h"
#include "ckernel/engine/tokenizer.h"
#include "ckernel/engine/train/corpus.h"
#include "train_test_files.h"

namespace ck::train {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;

// A fixture vocabulary, optionally with tokenizer.ggml.add_bos_token / add_eos_token overridden (the
// fixtures add BOS and not EOS, so the other combinations are made by rewriting the metadata).
const Tokenizer& vocab(const std::string& name, std::optional<bool> add_bos = std::nullopt,
                       std::optional<bool> add_eos = std::nullopt) {
  struct Loaded {
    std::vector<std::byte> image;  // GgufFile::parse keeps a view of it
    std::unique_ptr<GgufFile> file;
    std::unique_ptr<Tokenizer> tokenizer;
  };
  static std::map<std::string, Loaded> cache;
  const std::string key = name + "/" + (add_bos ? std::to_string(*add_bos) : "-") + "/" +
                          (add_eos ? std::to_string(*add_eos) : "-");
  Loaded& slot = cache[key];
  if (!slot.tokenizer) {
    const std::string path =
        std::string(CK_TEST_DATA_DIR) + "/fixtures/tokenizer/ggml-vocab-" + name + ".gguf";
    std::unique_ptr<GgufFile> original = GgufFile::open(path);
    GgufWriter writer;
    for (const auto& [k, value] : original->metadata()) writer.set(k, GgufWriteValue::copy_of(value));
    if (add_bos) writer.set("tokenizer.ggml.add_bos_token", *add_bos);
    if (add_eos) writer.set("tokenizer.ggml.add_eos_token", *add_eos);
    slot.image = writer.to_bytes();
    slot.file = GgufFile::parse(slot.image, key);
    slot.tokenizer = std::make_unique<Tokenizer>(Tokenizer::from_gguf(*slot.file));
  }
  return *slot.tokenizer;
}

const Tokenizer& spm() { return vocab("llama-spm"); }

TokenCorpus load(const Tokenizer& tok, std::vector<fs::path> inputs, double val_fraction = 0.0) {
  return TokenCorpus::load(tok, inputs, CorpusOptions{.val_fraction = val_fraction});
}

std::vector<TokenId> plain(const Tokenizer& tok, std::string_view text) {
  return tok.encode(text, false, false);
}

std::vector<TokenId> concat(std::initializer_list<std::vector<TokenId>> parts) {
  std::vector<TokenId> all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

std::vector<TokenId> as_vector(std::span<const TokenId> s) { return {s.begin(), s.end()}; }

// The message of the CorpusError that `f` throws, or a failure.
template <class F>
std::string corpus_error_of(F&& f) {
  try {
    f();
  } catch (const CorpusError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no CorpusError";
  return {};
}

constexpr std::string_view kFirst = "Hello world, this is the first document.";
constexpr std::string_view kSecond = "And a second one.\nWith two lines.";

TEST(TrainCorpus, BosBeforeEachDocumentWhenTheVocabularyAddsIt) {
  const Tokenizer& tok = spm();
  ASSERT_TRUE(tok.adds_bos());
  const TokenId bos = *tok.bos();
  ScratchDir dir;
  const TokenCorpus corpus = load(tok, {dir.write("a.txt", kFirst), dir.write("b.txt", kSecond)});
  const std::vector<TokenId> a = plain(tok, kFirst);
  const std::vector<TokenId> b = plain(tok, kSecond);
  EXPECT_EQ(as_vector(corpus.tokens()), concat({{bos}, a, {bos}, b}));
  ASSERT_EQ(corpus.documents().size(), 2u);
  EXPECT_EQ(corpus.documents()[0].first_token, 0u);
  EXPECT_EQ(corpus.documents()[0].token_count, a.size() + 1);
  EXPECT_EQ(corpus.documents()[1].first_token, a.size() + 1);
  EXPECT_EQ(corpus.documents()[1].token_count, b.size() + 1);
  EXPECT_EQ(corpus.documents()[1].bytes, kSecond.size());
}

TEST(TrainCorpus, EosAfterEachDocumentWhenTheVocabularyAddsIt) {
  const Tokenizer& tok = vocab("llama-spm", /*add_bos=*/true, /*add_eos=*/true);
  const TokenId bos = *tok.bos();
  const TokenId eos = *tok.eos();
  ScratchDir dir;
  const TokenCorpus corpus = load(tok, {dir.write("a.txt", kFirst), dir.write("b.txt", kSecond)});
  EXPECT_EQ(as_vector(corpus.tokens()),
            concat({{bos}, plain(tok, kFirst), {eos}, {bos}, plain(tok, kSecond), {eos}}));
}

TEST(TrainCorpus, OnlyEosWhenTheVocabularyAddsOnlyEos) {
  const Tokenizer& tok = vocab("llama-spm", /*add_bos=*/false, /*add_eos=*/true);
  const TokenId eos = *tok.eos();
  ScratchDir dir;
  const TokenCorpus corpus = load(tok, {dir.write("a.txt", kFirst), dir.write("b.txt", kSecond)});
  EXPECT_EQ(as_vector(corpus.tokens()), concat({plain(tok, kFirst), {eos}, plain(tok, kSecond), {eos}}));
}

TEST(TrainCorpus, NoSpecialTokensWhenTheVocabularyAddsNone) {
  const Tokenizer& tok = vocab("llama-spm", /*add_bos=*/false, /*add_eos=*/false);
  ScratchDir dir;
  const TokenCorpus corpus = load(tok, {dir.write("a.txt", kFirst), dir.write("b.txt", kSecond)});
  EXPECT_EQ(as_vector(corpus.tokens()), concat({plain(tok, kFirst), plain(tok, kSecond)}));
}

TEST(TrainCorpus, ByteLevelBpeVocabulary) {
  const Tokenizer& tok = vocab("gpt-2");
  ScratchDir dir;
  const TokenCorpus corpus = load(tok, {dir.write("a.txt", kFirst), dir.write("b.txt", kSecond)});
  EXPECT_EQ(as_vector(corpus.tokens()),
            concat({tok.encode(kFirst, true, false), tok.encode(kSecond, true, false)}));
}

TEST(TrainCorpus, TextSpellingAControlTokenIsText) {
  const Tokenizer& tok = vocab("llama-spm", true, true);
  const std::string text = "<s>a document that spells </s> and <s> in its text</s>";
  ScratchDir dir;
  const TokenCorpus corpus = load(tok, {dir.write("a.txt", text)});
  EXPECT_EQ(as_vector(corpus.tokens()), concat({{*tok.bos()}, plain(tok, text), {*tok.eos()}}));
  EXPECT_EQ(std::count(corpus.tokens().begin(), corpus.tokens().end(), *tok.bos()), 1);
  EXPECT_EQ(std::count(corpus.tokens().begin(), corpus.tokens().end(), *tok.eos()), 1);
}

TEST(TrainCorpus, DocumentsAreTokenizedWhole) {
  // Several paragraphs with leading spaces, blank lines and indentation: the corpus gives exactly the
  // tokens of encoding the file as one string. Encoding the paragraphs one by one would not (SentencePiece
  // puts a space before every encoded string), which is why documents are not cut into pieces.
  const std::string text =
      "First paragraph, line one.\nLine two.\n\n  Second paragraph, indented.\n\n\n"
      "Third: numbers 12345 and caf\xC3\xA9.\n   \n end with spaces   ";
  const Tokenizer& tok = spm();
  ScratchDir dir;
  const TokenCorpus corpus = load(tok, {dir.write("doc.txt", text)});
  EXPECT_EQ(as_vector(corpus.tokens()), tok.encode(text, true, false));

  std::vector<TokenId> piecewise{*tok.bos()};
  for (size_t start = 0; start < text.size();) {
    const size_t blank = text.find("\n\n", start);
    const size_t end = blank == std::string::npos ? text.size() : blank + 2;  // the blank line stays before
    const std::vector<TokenId> ids = plain(tok, std::string_view(text).substr(start, end - start));
    piecewise.insert(piecewise.end(), ids.begin(), ids.end());
    start = end;
  }
  EXPECT_NE(as_vector(corpus.tokens()), piecewise);
}

TEST(TrainCorpus, DirectoriesInByteOrderRecursivelyWithoutHiddenFilesOrFifos) {
  ScratchDir dir;
  const fs::path root = dir.path() / "corpus";
  dir.write("corpus/b.txt", "b");
  dir.write("corpus/B.txt", "B");
  dir.write("corpus/a-c.txt", "a-c");
  dir.write("corpus/a/z.txt", "a/z");
  dir.write("corpus/a/y/x.txt", "a/y/x");
  dir.write("corpus/.hidden.txt", "hidden");
  dir.write("corpus/.git/config", "hidden dir");
  dir.write("corpus/a/.swap", "hidden in a subdirectory");
  dir.write("outside/target.txt", "linked file");
  dir.write("outside/dir/inner.txt", "in a linked directory");
  fs::create_symlink(dir.path() / "outside/target.txt", root / "link.txt");
  fs::create_symlink(dir.path() / "outside/dir", root / "dirlink");
  fs::create_symlink(dir.path() / "missing", root / "dangling");
  ASSERT_EQ(::mkfifo((root / "pipe").c_str(), 0600), 0);

  const TokenCorpus corpus = load(spm(), {root});
  std::vector<std::string> got;
  for (const CorpusDocument& d : corpus.documents()) got.push_back(d.path.lexically_relative(root).string());
  // Byte order of the whole paths: 'B' (0x42) < 'a' (0x61); '-' (0x2D) < '/' (0x2F) puts a-c.txt before a/.
  EXPECT_EQ(got, (std::vector<std::string>{"B.txt", "a-c.txt", "a/y/x.txt", "a/z.txt", "b.txt", "link.txt"}));
  EXPECT_EQ(corpus.documents().back().path, root / "link.txt");
}

TEST(TrainCorpus, InputsInTheOrderGivenAndNamedHiddenFilesIncluded) {
  const Tokenizer& tok = spm();
  ScratchDir dir;
  const fs::path a = dir.write("a.txt", kFirst);
  const fs::path hidden = dir.write(".b.txt", kSecond);
  const fs::path d = dir.path() / "d";
  dir.write("d/x.txt", "x");
  const TokenCorpus corpus = load(tok, {hidden, d, a});
  ASSERT_EQ(corpus.documents().size(), 3u);
  EXPECT_EQ(corpus.documents()[0].path, hidden);
  EXPECT_EQ(corpus.documents()[1].path, d / "x.txt");
  EXPECT_EQ(corpus.documents()[2].path, a);
}

TEST(TrainCorpus, InvalidUtf8NamesTheFileAndTheOffset) {
  struct Case {
    std::string bytes;
    size_t offset;
  };
  const Case cases[] = {
      {"abc\xC3\x28 tail", 3},                    // lead byte followed by a non-continuation
      {"ok \x80", 3},                             // stray continuation byte
      {"\xC0\x80", 0},                            // overlong NUL
      {"xx\xE0\x80\xAF", 2},                      // overlong three-byte form
      {"x\xED\xA0\x80", 1},                       // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", 0},                    // above U+10FFFF
      {"\xF5\x80\x80\x80", 0},                    // F5 starts nothing
      {"\xF0\x9F\x98\x80 ends in \xE2\x82", 13},  // a valid emoji, then a truncated sequence at the end
  };
  ScratchDir dir;
  const fs::path good = dir.write("good.txt", "fine \xF0\x9F\x98\x80 text \xE2\x82\xAC");
  for (size_t i = 0; i < std::size(cases); ++i) {
    const fs::path bad = dir.write("bad" + std::to_string(i) + ".txt", cases[i].bytes);
    const std::string message = corpus_error_of([&] { load(spm(), {good, bad}); });
    EXPECT_NE(message.find(bad.string()), std::string::npos) << message;
    EXPECT_NE(message.find("UTF-8 at byte offset " + std::to_string(cases[i].offset) + " "),
              std::string::npos)
        << "case " << i << ": " << message;
  }
  EXPECT_NO_THROW(load(spm(), {good}));
}

TEST(TrainCorpus, EmptyFilesAddNoTokens) {
  const Tokenizer& tok = spm();
  ScratchDir dir;
  const TokenCorpus corpus = load(tok, {dir.write("empty.txt", ""), dir.write("a.txt", kFirst)});
  EXPECT_EQ(as_vector(corpus.tokens()), tok.encode(kFirst, true, false));
  ASSERT_EQ(corpus.documents().size(), 2u);
  EXPECT_EQ(corpus.documents()[0].token_count, 0u);
  EXPECT_EQ(corpus.documents()[1].first_token, 0u);
}

TEST(TrainCorpus, EmptyCorpusIsAnError) {
  ScratchDir dir;
  const fs::path empty = dir.write("only/empty.txt", "");
  std::string message = corpus_error_of([&] { load(spm(), {empty}); });
  EXPECT_NE(message.find("empty corpus"), std::string::npos) << message;
  EXPECT_NE(message.find(empty.string()), std::string::npos) << message;

  fs::create_directories(dir.path() / "nothing");
  dir.write("nothing/.hidden", "not a document");
  message = corpus_error_of([&] { load(spm(), {dir.path() / "nothing"}); });
  EXPECT_NE(message.find("empty corpus: no documents"), std::string::npos) << message;
}

TEST(TrainCorpus, MissingInputIsNamed) {
  ScratchDir dir;
  const fs::path missing = dir.path() / "no-such-file.txt";
  const std::string message = corpus_error_of([&] { load(spm(), {missing}); });
  EXPECT_EQ(message, missing.string() + ": not found");
}

TEST(TrainCorpus, UnreadableFileIsNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  ScratchDir dir;
  const fs::path locked = dir.write("locked.txt", "secret");
  fs::permissions(locked, fs::perms::none);
  const std::string message = corpus_error_of([&] { load(spm(), {locked}); });
  EXPECT_NE(message.find(locked.string() + ": cannot open"), std::string::npos) << message;
}

TEST(TrainCorpus, FifoIsRefusedWithoutBlocking) {
  ScratchDir dir;
  const fs::path fifo = dir.path() / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  const std::string message = corpus_error_of([&] { load(spm(), {fifo}); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(message, fifo.string() + ": a FIFO, not a regular file or directory");
}

TEST(TrainCorpus, ValidationSplitHoldsOutTheTail) {
  const Tokenizer& tok = spm();
  ScratchDir dir;
  const std::vector<fs::path> files = {dir.write("a.txt", kFirst), dir.write("b.txt", kSecond)};
  const TokenCorpus whole = load(tok, files);
  const size_t n = whole.tokens().size();
  EXPECT_EQ(whole.train_tokens().size(), n);
  EXPECT_TRUE(whole.validation_tokens().empty());

  for (const double f : {0.01, 0.1, 0.25, 0.5}) {
    const TokenCorpus split = load(tok, files, f);
    const size_t n_val = static_cast<size_t>(std::ceil(f * static_cast<double>(n)));
    EXPECT_EQ(split.validation_tokens().size(), n_val) << f;
    EXPECT_EQ(split.train_tokens().size(), n - n_val) << f;
    EXPECT_EQ(as_vector(split.train_tokens()), as_vector(whole.tokens().first(n - n_val)));
    EXPECT_EQ(as_vector(split.validation_tokens()), as_vector(whole.tokens().last(n_val)));
  }
  EXPECT_THROW(load(tok, files, 0.51), std::invalid_argument);
  EXPECT_THROW(load(tok, files, -0.1), std::invalid_argument);
}

TEST(TrainCorpus, ValidationTokenCount) {
  EXPECT_EQ(validation_token_count(1000, 0.0), 0u);
  EXPECT_EQ(validation_token_count(1000, 0.1), 100u);
  EXPECT_EQ(validation_token_count(1001, 0.1), 101u);  // ceil
  EXPECT_EQ(validation_token_count(7, 0.5), 4u);
  EXPECT_EQ(validation_token_count(1, 0.01), 1u);
}

TEST(TrainCorpus, ProgressReportsBytesAfterEachDocument) {
  ScratchDir dir;
  const std::vector<fs::path> files = {dir.write("a.txt", kFirst), dir.write("b.txt", ""),
                                       dir.write("c.txt", kSecond)};
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  TokenCorpus::load(spm(), files, CorpusOptions{.progress = [&](uint64_t done, uint64_t total) {
                      calls.emplace_back(done, total);
                    }});
  const uint64_t total = kFirst.size() + kSecond.size();
  EXPECT_EQ(calls, (std::vector<std::pair<uint64_t, uint64_t>>{
                       {kFirst.size(), total}, {kFirst.size(), total}, {total, total}}));
}

}  // namespace
}  // namespace ck::train
