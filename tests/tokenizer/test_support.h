// Helpers shared by the tokenizer tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/tokenizer.h"

namespace ck::test {

// A text with its bytes made visible: printable ASCII as is, everything else as \xHH.
std::string escape_bytes(std::string_view s);
std::string hex(std::string_view s);
std::string ids_to_string(const std::vector<TokenId>& ids);

// llama.cpp's test-tokenizer-0 vectors: `<vocab>.inp` holds the inputs separated by lines
// "__ggml_vocab_test__", `<vocab>.out` one line of ids per input.
struct VocabCase {
  std::string input;
  std::vector<TokenId> ids;
};
std::vector<VocabCase> read_vocab_cases(const std::string& gguf_path);

// The files in tests/data, opened once per process.
const GgufFile& test_gguf(const std::string& relative_path);
const Tokenizer& test_tokenizer(const std::string& relative_path);

// Writes a GGUF v3 image holding only metadata, for vocabularies made up by the tests.
class GgufBuilder {
 public:
  GgufBuilder& add_string(std::string_view key, std::string_view value);
  GgufBuilder& add_u32(std::string_view key, uint32_t value);
  GgufBuilder& add_bool(std::string_view key, bool value);
  GgufBuilder& add_strings(std::string_view key, const std::vector<std::string>& values);
  GgufBuilder& add_f32s(std::string_view key, const std::vector<float>& values);
  GgufBuilder& add_i32s(std::string_view key, const std::vector<int32_t>& values);
  std::vector<std::byte> bytes() const;

 private:
  void key(std::string_view k, uint32_t type);
  void put_u32(uint32_t v);
  void put_u64(uint64_t v);
  void put_string(std::string_view s);
  std::vector<std::byte> kv_;
  uint64_t n_kv_ = 0;
};

}  // namespace ck::test
