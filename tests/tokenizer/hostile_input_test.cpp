// Input that is not nice text, and vocabularies that are not consistent.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace ck::test {
namespace {

using namespace std::string_literals;

const char* const kVocabs[] = {"llama-spm", "phi-3", "gpt-2", "falcon", "deepseek-llm"};

const Tokenizer& vocab(const std::string& name) {
  return test_tokenizer("fixtures/tokenizer/ggml-vocab-" + name + ".gguf");
}

TEST(TokenizerHostileInput, InvalidUtf8) {
  const std::string bad =
      "a\xff"
      "b\x80\xc3(\xe2\x82\xf0\x9f\x98"
      "end\xed\xa0\x80\xc0\x80\xf7\xbf\xbf\xbf\xc3"s;
  // SentencePiece works on bytes: whatever is no token becomes byte tokens, so every byte comes back.
  for (const char* name : {"llama-spm", "phi-3"}) {
    const Tokenizer& tok = vocab(name);
    EXPECT_EQ(escape_bytes(tok.decode(tok.encode(bad, false, false))), escape_bytes(bad)) << name;
  }
  // Except that symbols are cut by the length their first byte announces: a truncated sequence before a
  // space takes the first byte of the escaped space (U+2581), whose other bytes then come back as bytes.
  const Tokenizer& spm = vocab("llama-spm");
  EXPECT_EQ(escape_bytes(spm.decode(spm.encode("\xe2\x82 x", false, false))),
            escape_bytes("\xe2\x82\xe2\x96\x81x"));

  // Byte-level BPE reads malformed UTF-8 as U+FFFD, as llama.cpp does (unicode_cpts_from_utf8).
  const Tokenizer& gpt2 = vocab("gpt-2");
  EXPECT_EQ(gpt2.encode("a\xff"
                        "b",
                        false, false),
            gpt2.encode("a\xEF\xBF\xBD"
                        "b",
                        false, false));
  EXPECT_EQ(gpt2.decode(gpt2.encode("x\x80\x80y", false, false)), "x\xEF\xBF\xBD\xEF\xBF\xBDy");
  // An overlong form is decoded to what it spells (here NUL) and re-encoded properly.
  EXPECT_EQ(gpt2.decode(gpt2.encode("\xc0\x80", false, false)), std::string(1, '\0'));
  for (const char* name : kVocabs) {
    EXPECT_NO_THROW(vocab(name).encode(bad + " \xe2\x82 \xf0\x9f\x98 ", true, true)) << name;
    EXPECT_NO_THROW(vocab(name).encode("\xc3", true, true)) << name;
  }
}

TEST(TokenizerHostileInput, EmbeddedNuls) {
  const std::string text = "a\0b\0\0 c\0"s;
  ASSERT_EQ(text.size(), 8u);
  for (const char* name : {"llama-spm", "phi-3", "gpt-2", "deepseek-llm"}) {
    const Tokenizer& tok = vocab(name);
    const std::vector<TokenId> ids = tok.encode(text, false, true);
    EXPECT_EQ(escape_bytes(tok.decode(ids)), escape_bytes(text)) << name << " " << ids_to_string(ids);
  }
  // "▁" (the space prefix), then <0x00>
  EXPECT_EQ(vocab("llama-spm").encode("\0"s, false, false), (std::vector<TokenId>{29871, 3}));
  EXPECT_EQ(vocab("gpt-2").encode("\0"s, false, false), std::vector<TokenId>{188});  // "Ā"
}

// 100k repeats of one character: the tokenizers, the regex searches and the special-token scan are all
// (near) linear, so each of these takes milliseconds; a quadratic step would take minutes.
TEST(TokenizerHostileInput, LongRuns) {
  const size_t n = 100000;
  const std::string ideographic_space = "\xE3\x80\x80";
  std::string wide_spaces;
  for (size_t i = 0; i < n; ++i) wide_spaces += ideographic_space;
  const std::vector<std::string> texts = {
      std::string(n, 'a'),
      std::string(n, ' '),
      std::string(n, '\n'),
      std::string(n, '7'),
      std::string(n, '!'),
      std::string(n, ' ') + "\xE2\x82\xAC",  // spaces then a symbol: the worst case for "\s+$"
      std::string(n, '\t') + "x",
      wide_spaces,
  };
  for (const char* name : kVocabs) {
    const Tokenizer& tok = vocab(name);
    for (const std::string& text : texts) {
      const std::vector<TokenId> ids = tok.encode(text, false, false);
      EXPECT_FALSE(ids.empty()) << name;
      EXPECT_LT(ids.size(), text.size() + 2) << name;
      EXPECT_EQ(tok.decode(ids), text) << name << " '" << escape_bytes(text.substr(0, 8)) << "...'";
    }
  }
}

// A vocabulary made up on the spot: three tokens, then variations that are broken in one way each.
GgufBuilder base_vocab(bool with_scores = true) {
  GgufBuilder b;
  b.add_string("general.name", "made-up");
  b.add_string("tokenizer.ggml.model", "llama");
  b.add_strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>",
                                          "\xE2\x96\x81"
                                          "a"});
  if (with_scores) b.add_f32s("tokenizer.ggml.scores", {0, 0, 0, -1});
  b.add_i32s("tokenizer.ggml.token_type", {2, 3, 3, 1});
  return b;
}

std::string load_error(const GgufBuilder& b) {
  const std::vector<std::byte> bytes = b.bytes();
  const std::unique_ptr<GgufFile> file = GgufFile::parse(bytes, "made-up.gguf");
  try {
    Tokenizer::from_gguf(*file);
  } catch (const GgufError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerHostileVocab, ConsistentVocabularyLoads) {
  const std::vector<std::byte> bytes = base_vocab().bytes();
  const auto file = GgufFile::parse(bytes, "made-up.gguf");
  const Tokenizer tok = Tokenizer::from_gguf(*file);
  EXPECT_EQ(tok.n_vocab(), 4);
  EXPECT_EQ(tok.encode("a", true, false), (std::vector<TokenId>{1, 3}));
  // Neither "\xE2\x96\x81" (U+2581) nor "b" is a token and there are no byte tokens: each of their four bytes
  // becomes the unknown token (llama.cpp throws there).
  EXPECT_EQ(tok.encode("b", false, false), (std::vector<TokenId>{0, 0, 0, 0}));
}

// llama-bpe (llama 3) vocabularies take a word that is a token as it is, whether the merges reach it or not.
TEST(TokenizerHostileVocab, IgnoreMergesOfLlama3) {
  const auto make = [](std::string_view pre) {
    GgufBuilder b;
    b.add_string("tokenizer.ggml.model", "gpt2")
        .add_string("tokenizer.ggml.pre", pre)
        .add_strings("tokenizer.ggml.tokens", {"a", "b", "c", "ab", "abc"})
        .add_strings("tokenizer.ggml.merges", {"a b"})
        .add_u32("tokenizer.ggml.bos_token_id", 0);
    return b.bytes();
  };
  const std::vector<std::byte> gpt2_bytes = make("gpt-2");
  const std::vector<std::byte> llama3_bytes = make("llama-bpe");
  const auto gpt2_file = GgufFile::parse(gpt2_bytes, "gpt2.gguf");
  const auto llama3_file = GgufFile::parse(llama3_bytes, "llama3.gguf");
  const Tokenizer gpt2 = Tokenizer::from_gguf(*gpt2_file);
  const Tokenizer llama3 = Tokenizer::from_gguf(*llama3_file);
  EXPECT_EQ(gpt2.encode("abc", true, false), (std::vector<TokenId>{3, 2}));
  EXPECT_FALSE(gpt2.adds_bos());
  EXPECT_EQ(llama3.encode("abc", true, false),
            (std::vector<TokenId>{0, 4}));  // llama-bpe adds BOS by default
  // "d" is no token and its byte has none either: llama.cpp drops it.
  EXPECT_EQ(gpt2.encode("abdc", false, false), (std::vector<TokenId>{3, 2}));
}

TEST(TokenizerHostileVocab, ArraysOfDifferentLengths) {
  GgufBuilder scores = base_vocab(false);
  scores.add_f32s("tokenizer.ggml.scores", {0, 0, 0});
  EXPECT_NE(load_error(scores).find("tokenizer.ggml.scores has 3 entries but tokenizer.ggml.tokens has 4"),
            std::string::npos)
      << load_error(scores);

  GgufBuilder types;
  types.add_string("tokenizer.ggml.model", "llama");
  types.add_strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>"});
  types.add_i32s("tokenizer.ggml.token_type", {2, 3, 3, 1, 1});
  EXPECT_NE(load_error(types).find("tokenizer.ggml.token_type has 5 entries"), std::string::npos)
      << load_error(types);
}

TEST(TokenizerHostileVocab, OtherInconsistencies) {
  const auto expect_error = [](const GgufBuilder& b, const std::string& part) {
    const std::string error = load_error(b);
    EXPECT_NE(error.find(part), std::string::npos) << error;
    EXPECT_NE(error.find("made-up.gguf"), std::string::npos) << error;
  };
  expect_error(GgufBuilder(base_vocab()).add_u32("tokenizer.ggml.bos_token_id", 4),
               "tokenizer.ggml.bos_token_id");
  expect_error(GgufBuilder(base_vocab()).add_u32("tokenizer.ggml.eos_token_id", 99),
               "tokenizer.ggml.eos_token_id");

  GgufBuilder no_tokens;
  no_tokens.add_string("tokenizer.ggml.model", "llama");
  expect_error(no_tokens, "tokenizer.ggml.tokens");

  GgufBuilder no_model;
  no_model.add_strings("tokenizer.ggml.tokens", {"a"});
  expect_error(no_model, "tokenizer.ggml.model");

  GgufBuilder unknown_model;
  unknown_model.add_string("tokenizer.ggml.model", "t5").add_strings("tokenizer.ggml.tokens", {"a"});
  expect_error(unknown_model, "tokenizer.ggml.model 't5'");

  GgufBuilder unknown_pre;
  unknown_pre.add_string("tokenizer.ggml.model", "gpt2")
      .add_string("tokenizer.ggml.pre", "no-such-pre")
      .add_strings("tokenizer.ggml.tokens", {"a", "b"})
      .add_strings("tokenizer.ggml.merges", {"a b"});
  expect_error(unknown_pre, "tokenizer.ggml.pre 'no-such-pre'");

  GgufBuilder no_merges;
  no_merges.add_string("tokenizer.ggml.model", "gpt2").add_strings("tokenizer.ggml.tokens", {"a", "b"});
  expect_error(no_merges, "tokenizer.ggml.merges");

  GgufBuilder duplicate;
  duplicate.add_string("tokenizer.ggml.model", "llama")
      .add_strings("tokenizer.ggml.tokens", {"<unk>", "x", "x"});
  expect_error(duplicate, "tokenizer.ggml.tokens holds 'x' twice");

  expect_error(GgufBuilder(base_vocab()).add_u32("tokenizer.ggml.padding_token_id", 7),
               "tokenizer.ggml.padding_token_id");

  GgufBuilder wrong_kind;
  wrong_kind.add_string("tokenizer.ggml.model", "llama").add_u32("tokenizer.ggml.tokens", 3);
  expect_error(wrong_kind, "tokenizer.ggml.tokens");

  GgufBuilder no_bos;  // gpt2 defaults BOS to id 11, which a two-token vocabulary does not have
  no_bos.add_string("tokenizer.ggml.model", "gpt2")
      .add_strings("tokenizer.ggml.tokens", {"a", "b"})
      .add_strings("tokenizer.ggml.merges", {"a b"})
      .add_bool("tokenizer.ggml.add_bos_token", true);
  expect_error(no_bos, "tokenizer.ggml.add_bos_token is true, but tokenizer.ggml.bos_token_id is not set");
}

}  // namespace
}  // namespace ck::test
