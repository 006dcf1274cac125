// llama.cpp's tokenizer test vectors (test-tokenizer-0): every input of every vocabulary must give exactly
// the ids llama.cpp gives, and decoding must give the input back.
#include <gtest/gtest.h>

#include <string>

#include "test_support.h"

namespace ck::test {
namespace {

std::string vocab_path(const std::string& name) { return "fixtures/tokenizer/ggml-vocab-" + name + ".gguf"; }

class TokenizerVocab : public ::testing::TestWithParam<std::string> {
 protected:
  const Tokenizer& tokenizer() const { return test_tokenizer(vocab_path(GetParam())); }
  std::vector<VocabCase> cases() const {
    return read_vocab_cases(std::string(CK_TEST_DATA_DIR) + "/" + vocab_path(GetParam()));
  }
};

TEST_P(TokenizerVocab, EncodesLikeLlamaCpp) {
  const Tokenizer& tok = tokenizer();
  const std::vector<VocabCase> all = cases();
  ASSERT_FALSE(all.empty());
  for (size_t i = 0; i < all.size(); ++i) {
    const std::vector<TokenId> got = tok.encode(all[i].input, /*add_special=*/false, /*parse_special=*/false);
    if (got != all[i].ids) {
      FAIL() << "input #" << i << " '" << escape_bytes(all[i].input)
             << "'\n  llama.cpp: " << ids_to_string(all[i].ids) << "\n  ours:      " << ids_to_string(got);
    }
  }
}

TEST_P(TokenizerVocab, DecodeGivesTheInputBack) {
  // Every input of these files round-trips: none contains U+2581 (which SentencePiece reads as a space) or
  // a byte that a byte-level vocabulary lacks (falcon has no token for bytes such as 0x03 or 0xF5, which
  // llama.cpp then drops).
  const Tokenizer& tok = tokenizer();
  for (const VocabCase& c : cases()) {
    const std::vector<TokenId> ids = tok.encode(c.input, false, false);
    EXPECT_EQ(escape_bytes(tok.decode(ids)), escape_bytes(c.input)) << ids_to_string(ids);
  }
}

TEST_P(TokenizerVocab, SpecialTokensAddedAndParsed) {
  const Tokenizer& tok = tokenizer();
  const std::vector<TokenId> plain = tok.encode("Hello", false, false);
  std::vector<TokenId> with_bos = plain;
  if (tok.adds_bos()) with_bos.insert(with_bos.begin(), *tok.bos());
  EXPECT_EQ(tok.encode("Hello", true, false), with_bos);

  // A control token's text is that token only when parse_special.
  ASSERT_TRUE(tok.eos().has_value());
  const TokenId eos = *tok.eos();
  if (tok.kind(eos) != TokenKind::control) GTEST_SKIP() << "EOS is not a control token here";
  const std::string eos_text(tok.token_text(eos));
  const std::vector<TokenId> parsed = tok.encode(eos_text, false, true);
  EXPECT_EQ(parsed, std::vector<TokenId>{eos});
  EXPECT_NE(tok.encode(eos_text, false, false), parsed);
  EXPECT_EQ(tok.piece(eos), "");
  EXPECT_EQ(tok.piece(eos, /*render_special=*/true), eos_text);
  EXPECT_TRUE(tok.is_end_of_generation(eos));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TokenizerVocab,
                         ::testing::Values("llama-spm", "phi-3", "gpt-2", "falcon", "deepseek-llm"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(TokenizerVocabFacts, ModelsAndPreTokenizers) {
  const Tokenizer& spm = test_tokenizer(vocab_path("llama-spm"));
  EXPECT_EQ(spm.model(), "llama");
  EXPECT_EQ(spm.pre_tokenizer(), "default");
  EXPECT_EQ(spm.n_vocab(), 32000);
  EXPECT_EQ(spm.bos(), 1);
  EXPECT_EQ(spm.eos(), 2);
  EXPECT_TRUE(spm.adds_bos());
  EXPECT_EQ(spm.kind(0), TokenKind::unknown);
  EXPECT_EQ(spm.kind(1), TokenKind::control);
  EXPECT_EQ(spm.kind(3), TokenKind::byte);
  EXPECT_EQ(spm.token_text(3), "<0x00>");
  EXPECT_EQ(spm.piece(3), std::string(1, '\0'));
  EXPECT_EQ(spm.piece(13), "\n");  // <0x0A>

  const Tokenizer& gpt2 = test_tokenizer(vocab_path("gpt-2"));
  EXPECT_EQ(gpt2.model(), "gpt2");
  EXPECT_EQ(gpt2.pre_tokenizer(), "gpt-2");
  EXPECT_FALSE(gpt2.adds_bos());
  EXPECT_EQ(gpt2.piece(220), " ");  // "\xC4\xA0" in the byte-level alphabet

  // Phi-3 (by its general.name): white space after its special tokens is dropped (llama.cpp's rstrip
  // attribute), and its "</s>" is user-defined, so it is cut out even without parse_special.
  const Tokenizer& phi3 = test_tokenizer(vocab_path("phi-3"));
  EXPECT_EQ(phi3.encode("<|user|>\nHello", false, true), (std::vector<TokenId>{32010, 15043}));
  std::vector<TokenId> split = phi3.encode("a", false, false);
  split.push_back(2);
  for (TokenId id : phi3.encode("b", false, false)) split.push_back(id);
  EXPECT_EQ(phi3.encode("a</s> \n b", false, false), split);

  // DeepSeek's user-defined tokens are cut out of the text even without parse_special.
  const Tokenizer& ds = test_tokenizer(vocab_path("deepseek-llm"));
  EXPECT_EQ(ds.kind(100002), TokenKind::user_defined);
  EXPECT_EQ(ds.encode(std::string(ds.token_text(100002)), false, false), std::vector<TokenId>{100002});
}

}  // namespace
}  // namespace ck::test
