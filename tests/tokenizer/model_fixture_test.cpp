// The prompts and generated pieces of the greedy-generation fixtures (llama.cpp, same models).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "ckernel/json/json.h"
#include "test_support.h"

namespace ck::test {
namespace {

std::vector<std::filesystem::path> greedy_fixtures() {
  std::vector<std::filesystem::path> files;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(CK_TEST_DATA_DIR) + "/fixtures/greedy")) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(TokenizerGreedyFixtures, PromptTokensAndPieces) {
  const auto files = greedy_fixtures();
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    const Json doc = Json::parse_file(path);
    const Tokenizer& tok = test_tokenizer("models/" + doc.at("model").string());

    std::vector<TokenId> expected;
    for (const Json& id : doc.at("prompt_tokens").array())
      expected.push_back(static_cast<TokenId>(id.integer()));
    EXPECT_EQ(
        ids_to_string(tok.encode(doc.at("prompt").string(), /*add_special=*/true, /*parse_special=*/true)),
        ids_to_string(expected));

    const Json::Array& steps = doc.at("steps").array();
    for (size_t i = 0; i < steps.size(); ++i) {
      const TokenId id = static_cast<TokenId>(steps[i].at("token").integer());
      EXPECT_EQ(hex(tok.piece(id, /*render_special=*/true)), steps[i].at("piece_hex").string())
          << "step " << i << ", token " << id;
    }
  }
}

TEST(TokenizerGreedyFixtures, ModelVocabularies) {
  const Tokenizer& llama = test_tokenizer("models/tiny-llama-Q4_K_M.gguf");
  EXPECT_EQ(llama.model(), "llama");
  EXPECT_TRUE(llama.adds_bos());
  EXPECT_EQ(llama.bos(), 1);
  EXPECT_TRUE(llama.is_end_of_generation(2));
  EXPECT_FALSE(llama.is_end_of_generation(1));
  // "<s>" spelled in the prompt is BOS only with parse_special; the text after it gets the space prefix.
  EXPECT_EQ(llama.encode("<s>Hello", false, true), (std::vector<TokenId>{1, 15043}));
  EXPECT_EQ(llama.decode(llama.encode("<s>Hello", true, true)), "Hello");

  const Tokenizer& qwen = test_tokenizer("models/tiny-qwen2-Q4_K_M.gguf");
  EXPECT_EQ(qwen.model(), "gpt2");
  EXPECT_EQ(qwen.pre_tokenizer(), "gpt-2");
  EXPECT_FALSE(qwen.adds_bos());
  EXPECT_TRUE(qwen.is_end_of_generation(50256));
  EXPECT_EQ(qwen.encode("<|endoftext|>", true, true), std::vector<TokenId>{50256});
}

}  // namespace
}  // namespace ck::test
