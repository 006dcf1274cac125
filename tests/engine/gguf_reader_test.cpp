// GgufFile on the repository's real files, and on every kind of malformed file: each must be refused with
// a GgufError whose message names the problem (and whose offset points at it where there is one), never
// with a crash or an out-of-bounds read.
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/gguf_writer.h"
#include "gguf_bytes.h"
#include "gguf_samples.h"

namespace ck {
namespace {

using kernels::TensorType;
using test::GgufBytes;

const std::string kModels = std::string(CK_TEST_DATA_DIR) + "/models/";
const std::string kVocabs = std::string(CK_TEST_DATA_DIR) + "/fixtures/tokenizer/";

// ---- the real files ----

TEST(GgufRealFiles, TinyLlama) {
  const auto f = GgufFile::open(kModels + "tiny-llama-Q4_K_M.gguf");
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->require_string("general.architecture"), "llama");
  EXPECT_EQ(f->get_string("general.name"), "tiny-llama");
  EXPECT_EQ(f->require_uint("llama.embedding_length"), 256u);
  EXPECT_EQ(f->require_uint("llama.block_count"), 4u);
  EXPECT_EQ(f->require_uint("llama.attention.head_count"), 8u);
  EXPECT_EQ(f->require_uint("llama.attention.head_count_kv"), 4u);
  EXPECT_EQ(f->get_float("llama.rope.freq_base"), 10000.0);
  EXPECT_EQ(f->find("llama.attention.layer_norm_rms_epsilon")->type, GgufValueType::f32);
  EXPECT_EQ(f->get_bool("tokenizer.ggml.add_bos_token"), true);
  EXPECT_EQ(f->get_uint("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(f->get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f->metadata().size(), 23u);
  EXPECT_EQ(f->metadata().front().first, "general.architecture");  // file order

  const std::vector<std::string_view> tokens = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 32000u);
  EXPECT_EQ(tokens[0], "<unk>");
  EXPECT_EQ(tokens[1], "<s>");
  EXPECT_EQ(tokens[2], "</s>");
  EXPECT_EQ(f->get_float_array("tokenizer.ggml.scores").size(), 32000u);
  EXPECT_EQ(f->get_int_array("tokenizer.ggml.token_type").size(), 32000u);
  EXPECT_EQ(f->get_array("tokenizer.ggml.token_type")->element_type, GgufValueType::i32);

  ASSERT_EQ(f->tensors().size(), 38u);
  const GgufTensorInfo* embd = f->find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->ne, (std::vector<int64_t>{256, 32000}));
  EXPECT_EQ(embd->type, TensorType::q6_k);
  EXPECT_EQ(embd->n_bytes, 32000u * 210u);
  EXPECT_EQ(embd->n_elements(), 256 * 32000);
  const GgufTensorInfo* norm = f->find_tensor("output_norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->ne, (std::vector<int64_t>{256}));
  EXPECT_EQ(norm->type, TensorType::f32);
  EXPECT_EQ(f->find_tensor("blk.0.attn_q.weight")->type, TensorType::q4_k);
  EXPECT_EQ(f->find_tensor("output.weight"), nullptr);  // tied to token_embd
  for (const GgufTensorInfo& t : f->tensors()) {
    EXPECT_EQ(t.offset % f->alignment(), 0u) << t.name;
    EXPECT_EQ(t.data, f->bytes().data() + f->data_offset() + t.offset) << t.name;
    EXPECT_LE(f->data_offset() + t.offset + t.n_bytes, f->bytes().size()) << t.name;
  }
  EXPECT_EQ(f->data_offset() % 32, 0u);
}

TEST(GgufRealFiles, TinyQwen2) {
  const auto f = GgufFile::open(kModels + "tiny-qwen2-Q4_K_M.gguf");
  EXPECT_EQ(f->require_string("general.architecture"), "qwen2");
  EXPECT_EQ(f->require_uint("qwen2.block_count"), 3u);
  EXPECT_EQ(f->get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.tokens").size(), 50257u);
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.merges").size(), 50000u);
  EXPECT_EQ(f->tensors().size(), 38u);
  ASSERT_NE(f->find_tensor("blk.0.attn_q.bias"), nullptr);
  EXPECT_EQ(f->find_tensor("blk.0.attn_q.bias")->type, TensorType::f32);
  EXPECT_EQ(f->find_tensor("token_embd.weight")->ne, (std::vector<int64_t>{256, 50257}));
}

struct VocabFact {
  const char* file;
  const char* model;
  const char* pre;
  size_t n_tokens;
  size_t n_merges;
};

class GgufVocabFiles : public ::testing::TestWithParam<VocabFact> {};

TEST_P(GgufVocabFiles, OpensWithoutTensors) {
  const VocabFact& v = GetParam();
  const auto f = GgufFile::open(kVocabs + v.file);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_TRUE(f->tensors().empty());
  EXPECT_EQ(f->get_string("tokenizer.ggml.model"), v.model);
  EXPECT_EQ(f->get_string("tokenizer.ggml.pre"), v.pre);
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.tokens").size(), v.n_tokens);
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.merges").size(), v.n_merges);
  EXPECT_EQ(f->get_int_array("tokenizer.ggml.token_type").size(), v.n_tokens);
  // These files end right after the header, before the (empty) data section's alignment padding.
  EXPECT_GE(f->data_offset(), f->bytes().size());
}

INSTANTIATE_TEST_SUITE_P(
    All, GgufVocabFiles,
    ::testing::Values(VocabFact{"ggml-vocab-llama-spm.gguf", "llama", "default", 32000, 0},
                      VocabFact{"ggml-vocab-phi-3.gguf", "llama", "default", 32064, 0},
                      VocabFact{"ggml-vocab-gpt-2.gguf", "gpt2", "gpt-2", 50257, 50000},
                      VocabFact{"ggml-vocab-falcon.gguf", "gpt2", "falcon", 65024, 64784},
                      VocabFact{"ggml-vocab-deepseek-llm.gguf", "gpt2", "deepseek-llm", 102400, 99757}),
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(10, name.size() - 15);  // between "ggml-vocab-" and ".gguf"
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(GgufRealFiles, MissingFileIsAGgufError) {
  try {
    GgufFile::open(kModels + "no-such-model.gguf");
    FAIL() << "opened a missing file";
  } catch (const GgufError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-model.gguf"), std::string::npos) << e.what();
    EXPECT_FALSE(e.offset().has_value());
  }
}

TEST(GgufRealFiles, DirectoryIsAGgufError) { EXPECT_THROW(GgufFile::open(kModels), GgufError); }

TEST(GgufRealFiles, EmptyFileIsTruncated) {
  const std::string path = ::testing::TempDir() + "/ck-empty.gguf";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  try {
    GgufFile::open(path);
    FAIL() << "opened an empty file";
  } catch (const GgufError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated header"), std::string::npos) << e.what();
    EXPECT_EQ(e.offset(), 0u);
  }
  std::filesystem::remove(path);
}

// ---- malformed files ----

constexpr const char* kName = "hostile.gguf";

// Parses `bytes`, which must fail with a GgufError whose message starts with the file name, contains
// `needle`, and reports `offset` (also spelled out at the end of the message when there is one).
::testing::AssertionResult Refuses(const GgufBytes& bytes, const std::string& needle,
                                   std::optional<uint64_t> offset) {
  try {
    GgufFile::parse(bytes.span(), kName);
  } catch (const GgufError& e) {
    const std::string what = e.what();
    if (what.rfind(std::string(kName) + ": ", 0) != 0)
      return ::testing::AssertionFailure() << "message does not start with the file name: " << what;
    if (what.find(needle) == std::string::npos)
      return ::testing::AssertionFailure() << "message lacks \"" << needle << "\": " << what;
    if (e.offset() != offset)
      return ::testing::AssertionFailure()
             << "offset " << (e.offset() ? std::to_string(*e.offset()) : "none") << ", expected "
             << (offset ? std::to_string(*offset) : "none") << ": " << what;
    if (offset && what.find("(at offset " + std::to_string(*offset) + ")") == std::string::npos)
      return ::testing::AssertionFailure() << "message does not give the offset: " << what;
    return ::testing::AssertionSuccess() << what;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw something other than GgufError: " << e.what();
  }
  return ::testing::AssertionFailure() << "parsed without error; expected \"" << needle << "\"";
}

// A header with one metadata key of type `type`, whose value the caller appends.
GgufBytes OneKey(std::string_view key, uint32_t type) {
  GgufBytes b;
  b.header(0, 1).key(key, type);
  return b;
}

TEST(GgufMalformed, BadMagic) {
  GgufBytes b;
  b.raw("GGUG").u32(3).u64(0).u64(0);
  EXPECT_TRUE(Refuses(b, "bad magic", 0));
  GgufBytes ggml;
  ggml.raw("lmgg").u32(1).u64(0).u64(0);
  EXPECT_TRUE(Refuses(ggml, "bad magic", 0));
}

TEST(GgufMalformed, TooShortForMagic) {
  GgufBytes b;
  b.raw("GGU");
  EXPECT_TRUE(Refuses(b, "truncated header: 3 bytes is not a GGUF file", 0));
  EXPECT_TRUE(Refuses(GgufBytes{}, "truncated header: 0 bytes", 0));
}

TEST(GgufMalformed, UnsupportedVersions) {
  for (uint32_t version : {0u, 1u, 4u, 0x03000000u}) {
    GgufBytes b;
    b.header(0, 0, version);
    EXPECT_TRUE(Refuses(b, "unsupported GGUF version " + std::to_string(version), 4)) << version;
  }
}

TEST(GgufMalformed, TruncatedHeader) {
  GgufBytes b;
  b.raw("GGUF").u32(3).raw("\1\0");
  EXPECT_TRUE(Refuses(b, "truncated header tensor count: needs 8 bytes, 2 left", 8));
  GgufBytes c;
  c.raw("GGUF").u32(3).u64(0).raw("\0\0\0");
  EXPECT_TRUE(Refuses(c, "truncated header metadata count: needs 8 bytes, 3 left", 16));
}

TEST(GgufMalformed, MetadataCountTheFileCannotHold) {
  GgufBytes b;
  b.header(0, 1000).kv_u32("a", 1);
  EXPECT_TRUE(Refuses(b, "metadata count 1000 is larger than the file can hold", 16));
  GgufBytes huge;
  huge.header(0, ~uint64_t{0});
  EXPECT_TRUE(Refuses(huge, "metadata count 18446744073709551615 is larger than the file can hold", 16));
}

TEST(GgufMalformed, TensorCountTheFileCannotHold) {
  GgufBytes b;
  b.header(1000, 0).tensor("t", {32}, 0, 0);
  EXPECT_TRUE(Refuses(b, "tensor count 1000 is larger than the file can hold", 8));
}

TEST(GgufMalformed, TruncatedMetadata) {
  GgufBytes key;  // the key's length field itself is cut short
  key.header(0, 1).raw("\5\0\0");
  // 27 bytes are too few to hold one key/value pair at all: the count check fires first.
  EXPECT_TRUE(Refuses(key, "metadata count 1 is larger than the file can hold", 16));

  GgufBytes value;  // a u64 value with 4 bytes left
  value.header(0, 1).key("k", test::kU64);
  const uint64_t at = value.size();
  value.u32(7);
  EXPECT_TRUE(Refuses(value, "truncated value of 'k': needs 8 bytes, 4 left", at));

  GgufBytes type;  // the type field is cut short
  type.header(0, 1).str("a_longer_key").raw("\4\0");
  EXPECT_TRUE(Refuses(type, "truncated type of key 'a_longer_key': needs 4 bytes, 2 left", 24 + 8 + 12));
}

TEST(GgufMalformed, KeyLengthBeyondTheEnd) {
  GgufBytes b;
  b.header(0, 1).u64(100).raw("abcdefgh");
  EXPECT_TRUE(Refuses(b, "metadata key 0 has length 100 beyond the end of the file", 24));
  GgufBytes huge;
  huge.header(0, 1).u64(~uint64_t{0} - 3).raw("abcdefgh");
  EXPECT_TRUE(Refuses(huge, "metadata key 0 has length 18446744073709551612 beyond the end", 24));
}

TEST(GgufMalformed, StringValueLengthBeyondTheEnd) {
  GgufBytes b = OneKey("name", test::kString);
  const uint64_t at = b.size();
  b.u64(1u << 20).raw("short");
  EXPECT_TRUE(Refuses(b, "value of 'name' has length 1048576 beyond the end of the file", at));
}

TEST(GgufMalformed, StringElementLengthBeyondTheEnd) {
  GgufBytes b = OneKey("tokens", test::kArray);
  b.u32(test::kString).u64(2).str("ok");
  const uint64_t at = b.size();
  b.u64(50).raw("nope");
  EXPECT_TRUE(Refuses(b, "element of value of 'tokens' has length 50 beyond the end of the file", at));
}

TEST(GgufMalformed, ArrayCountTheFileCannotHold) {
  GgufBytes b = OneKey("scores", test::kArray);
  const uint64_t at = b.size();
  b.u32(test::kF32).u64(1000).f32(1).f32(2);
  EXPECT_TRUE(
      Refuses(b, "value of 'scores' claims 1000 elements of type f32, more than the 8 bytes left", at));

  GgufBytes strings = OneKey("tokens", test::kArray);
  const uint64_t s_at = strings.size();
  strings.u32(test::kString).u64(uint64_t{1} << 61).str("a");
  EXPECT_TRUE(Refuses(strings, "claims 2305843009213693952 elements of type string", s_at));

  GgufBytes nested = OneKey("nested", test::kArray);
  const uint64_t n_at = nested.size();
  nested.u32(test::kArray).u64(3).u32(test::kU8).u64(0).u32(test::kU8).u64(0);
  EXPECT_TRUE(Refuses(nested, "value of 'nested' claims 3 elements of type array", n_at));
}

TEST(GgufMalformed, UnknownValueType) {
  GgufBytes b;
  b.header(0, 1).key("mystery", 13).u32(0);
  EXPECT_TRUE(Refuses(b, "metadata key 'mystery' has unknown value type 13", 24));
  GgufBytes c;
  c.header(0, 1).key("mystery", 0xffffffffu).u32(0);
  EXPECT_TRUE(Refuses(c, "metadata key 'mystery' has unknown value type 4294967295", 24));
}

TEST(GgufMalformed, UnknownArrayElementType) {
  GgufBytes b = OneKey("list", test::kArray);
  const uint64_t at = b.size();
  b.u32(13).u64(1).u32(0);
  EXPECT_TRUE(Refuses(b, "value of 'list' has unknown element type 13", at));

  GgufBytes inner = OneKey("list", test::kArray);  // in an array of arrays
  inner.u32(test::kArray).u64(1);
  const uint64_t inner_at = inner.size();
  inner.u32(99).u64(0);
  EXPECT_TRUE(Refuses(inner, "element of value of 'list' has unknown element type 99", inner_at));
}

// An array nested `levels` deep (the outermost counts as one), innermost holding one u8.
GgufBytes Nested(int levels, uint64_t* innermost_at) {
  GgufBytes b = OneKey("deep", test::kArray);
  for (int i = 0; i < levels; ++i) {
    if (i == levels - 1) *innermost_at = b.size();
    b.u32(i == levels - 1 ? test::kU8 : test::kArray).u64(1);
  }
  b.u8(7);
  return b;
}

TEST(GgufMalformed, ArraysNestedTooDeep) {
  uint64_t at = 0;
  const GgufBytes ok = Nested(8, &at);
  const auto f = GgufFile::parse(ok.span(), kName);
  const GgufArray* a = f->get_array("deep");
  for (int i = 1; i < 8; ++i) a = std::get<std::shared_ptr<const GgufArray>>(a->items.at(0).data).get();
  EXPECT_EQ(a->element_type, GgufValueType::u8);
  EXPECT_EQ(std::get<uint64_t>(a->items.at(0).data), 7u);

  uint64_t ninth = 0;
  const GgufBytes deep = Nested(9, &ninth);
  EXPECT_TRUE(Refuses(deep, "value of 'deep' nests arrays deeper than 8 levels", ninth));
  EXPECT_EQ(ninth, 24u + 8 + 4 + 4 + 8 * 12);
  const GgufBytes deeper = Nested(100000, &at);  // refused at the ninth level, before any recursion beyond
  EXPECT_TRUE(Refuses(deeper, "nests arrays deeper than 8 levels", ninth));
}

TEST(GgufMalformed, BoolNotZeroOrOne) {
  GgufBytes b = OneKey("flag", test::kBool);
  const uint64_t at = b.size();
  b.u8(2);
  EXPECT_TRUE(Refuses(b, "value of 'flag' is a bool with value 2 (must be 0 or 1)", at));

  GgufBytes arr = OneKey("flags", test::kArray);
  arr.u32(test::kBool).u64(3).u8(1).u8(0);
  const uint64_t arr_at = arr.size();
  arr.u8(255);
  EXPECT_TRUE(Refuses(arr, "element of value of 'flags' is a bool with value 255", arr_at));
}

TEST(GgufMalformed, DuplicateMetadataKey) {
  GgufBytes b;
  b.header(0, 3).kv_u32("a", 1).kv_str("b", "x");
  const uint64_t at = b.size();
  b.kv_u32("a", 2);
  EXPECT_TRUE(Refuses(b, "duplicate metadata key 'a'", at));
}

TEST(GgufMalformed, AlignmentNotU32) {
  GgufBytes b;
  b.header(0, 1).key("general.alignment", test::kU64).u64(32);
  EXPECT_TRUE(Refuses(b, "general.alignment must be a u32, is u64", std::nullopt));
  GgufBytes s;
  s.header(0, 1).kv_str("general.alignment", "32");
  EXPECT_TRUE(Refuses(s, "general.alignment must be a u32, is string", std::nullopt));
  GgufBytes i;
  i.header(0, 1).key("general.alignment", test::kI32).i32(32);
  EXPECT_TRUE(Refuses(i, "general.alignment must be a u32, is i32", std::nullopt));
}

TEST(GgufMalformed, AlignmentZeroOrNotAPowerOfTwo) {
  for (uint32_t a : {0u, 3u, 48u, 0xffffffffu}) {
    GgufBytes b;
    b.header(0, 1).kv_u32("general.alignment", a);
    EXPECT_TRUE(
        Refuses(b, "general.alignment is " + std::to_string(a) + ", not a power of two", std::nullopt));
  }
}

TEST(GgufMalformed, TensorDimensionCount) {
  for (uint32_t n_dims : {0u, 5u, 0xffffffffu}) {
    GgufBytes b;
    b.header(1, 0);
    const uint64_t at = b.size();
    b.str("t").u32(n_dims).u64(32).u64(1).u64(1).u64(1).u64(1).u32(0).u64(0).pad_to(32).zeros(128);
    EXPECT_TRUE(
        Refuses(b, "tensor 't' has " + std::to_string(n_dims) + " dimensions (1 to 4 supported)", at));
  }
}

TEST(GgufMalformed, ZeroDimension) {
  GgufBytes b;
  b.header(1, 0);
  const uint64_t at = b.size();
  b.tensor("t", {32, 0}, 0, 0).pad_to(32);
  EXPECT_TRUE(
      Refuses(b, "tensor 't' has dimension 1 of 0, which is zero or makes the element count overflow", at));
}

TEST(GgufMalformed, DimensionsOverflowInt64) {
  GgufBytes b;
  b.header(1, 0);
  const uint64_t at = b.size();
  b.tensor("big", {uint64_t{1} << 32, uint64_t{1} << 31}, 0, 0).pad_to(32);
  EXPECT_TRUE(Refuses(b,
                      "tensor 'big' has dimension 1 of 2147483648, which is zero or makes the element count "
                      "overflow",
                      at));

  GgufBytes negative;  // above INT64_MAX: negative as ggml's signed int64
  negative.header(1, 0);
  negative.tensor("neg", {~uint64_t{0}}, 0, 0).pad_to(32);
  EXPECT_TRUE(Refuses(negative, "tensor 'neg' has dimension 0 of 18446744073709551615", 24));

  GgufBytes four;
  four.header(1, 0);
  four.tensor("four", {1 << 16, 1 << 16, 1 << 16, 1 << 16}, 0, 0).pad_to(32);
  EXPECT_TRUE(Refuses(four, "tensor 'four' has dimension 3 of 65536", 24));
}

TEST(GgufMalformed, TensorByteSizeOverflow) {
  // 2^62 F32 elements fit in int64 but take 2^64 bytes: the size must not wrap around to zero.
  GgufBytes b;
  b.header(1, 0);
  b.tensor("huge", {uint64_t{1} << 62}, 0, 0).pad_to(32).zeros(64);
  EXPECT_TRUE(Refuses(
      b, "tensor 'huge' of 4611686018427387904 F32 elements takes more bytes than can be addressed", 24));
  GgufBytes f64;  // 2^61 eight-byte elements
  f64.header(1, 0);
  f64.tensor("f64", {4, uint64_t{1} << 59}, static_cast<uint32_t>(TensorType::f64), 0).pad_to(32).zeros(64);
  EXPECT_TRUE(
      Refuses(f64, "tensor 'f64' of 2305843009213693952 F64 elements takes more bytes than can be", 24));
}

TEST(GgufMalformed, UnknownTensorType) {
  for (uint32_t type : {4u, 5u, 31u, 77u, 0xffffffffu}) {
    GgufBytes b;
    b.header(1, 0);
    b.tensor("w", {32}, type, 0).pad_to(32).zeros(256);
    EXPECT_TRUE(Refuses(b, "tensor 'w' has unknown tensor type " + std::to_string(type), 24)) << type;
  }
}

TEST(GgufMalformed, RowLengthNotAMultipleOfTheBlock) {
  GgufBytes b;
  b.header(1, 0);
  b.tensor("w", {100, 2}, static_cast<uint32_t>(TensorType::q4_k), 0).pad_to(32).zeros(1024);
  EXPECT_TRUE(Refuses(b, "tensor 'w' has rows of 100 elements, not a multiple of Q4_K's block of 256", 24));
  GgufBytes q8;
  q8.header(1, 0);
  q8.tensor("w8", {33}, static_cast<uint32_t>(TensorType::q8_0), 0).pad_to(32).zeros(1024);
  EXPECT_TRUE(Refuses(q8, "tensor 'w8' has rows of 33 elements, not a multiple of Q8_0's block of 32", 24));
}

TEST(GgufMalformed, MisalignedDataOffset) {
  GgufBytes b;
  b.header(1, 0);
  b.tensor("w", {8}, 0, 16).pad_to(32).zeros(64);
  EXPECT_TRUE(Refuses(b, "tensor 'w' data offset 16 is not a multiple of the alignment 32", 24));

  GgufBytes custom;  // a 32-aligned offset under general.alignment = 64
  custom.header(1, 1).kv_u32("general.alignment", 64);
  const uint64_t at = custom.size();
  custom.tensor("w", {8}, 0, 96).pad_to(64).zeros(256);
  EXPECT_TRUE(Refuses(custom, "tensor 'w' data offset 96 is not a multiple of the alignment 64", at));
}

TEST(GgufMalformed, TensorDataPastTheEnd) {
  GgufBytes b;
  b.header(1, 0);
  b.tensor("w", {64}, 0, 0).pad_to(32);
  const uint64_t data = b.size();
  b.zeros(255);  // one byte short of 64 floats
  EXPECT_TRUE(
      Refuses(b, "data of tensor 'w' (256 bytes at data offset 0) extends past the end of the file", data));

  GgufBytes far;  // an offset far beyond the end
  far.header(1, 0);
  far.tensor("w", {8}, 0, 1u << 20).pad_to(32);
  const uint64_t far_data = far.size();
  far.zeros(64);
  EXPECT_TRUE(Refuses(far, "data of tensor 'w' (32 bytes at data offset 1048576) extends past the end",
                      far_data + (1u << 20)));

  GgufBytes cut;  // the file ends inside the header padding
  cut.header(1, 0);
  cut.tensor("w", {8}, 0, 0);
  EXPECT_TRUE(Refuses(cut, "data of tensor 'w' (32 bytes at data offset 0) extends past the end", 64));
}

TEST(GgufMalformed, OverlappingTensorData) {
  GgufBytes b;
  b.header(2, 0);
  b.tensor("a", {16}, 0, 0).tensor("b", {8}, 0, 32).pad_to(32);
  const uint64_t data = b.size();
  b.zeros(128);
  EXPECT_TRUE(Refuses(b, "data of tensors 'a' and 'b' overlap", data + 32));

  GgufBytes same;  // the same offset twice, listed in reverse order
  same.header(2, 0);
  same.tensor("x", {8}, 0, 64).tensor("y", {8}, 0, 64).pad_to(32);
  const uint64_t same_data = same.size();
  same.zeros(128);
  EXPECT_TRUE(Refuses(same, "overlap", same_data + 64));
}

TEST(GgufMalformed, DuplicateTensorNames) {
  GgufBytes b;
  b.header(2, 0);
  b.tensor("w", {8}, 0, 0);
  const uint64_t at = b.size();
  b.tensor("w", {8}, 0, 32).pad_to(32).zeros(64);
  EXPECT_TRUE(Refuses(b, "duplicate tensor name 'w'", at));
}

TEST(GgufMalformed, TruncatedTensorInfo) {
  GgufBytes b;
  b.header(1, 0).str("b").u32(2).u64(8);
  const uint64_t at = b.size();
  b.raw("\1\0\0\0");  // the second dimension cut short
  EXPECT_TRUE(Refuses(b, "truncated dimension 1 of tensor 'b': needs 8 bytes, 4 left", at));
  GgufBytes name;
  name.header(1, 0).u64(40).raw("abc").zeros(21);
  EXPECT_TRUE(Refuses(name, "name of tensor 0 has length 40 beyond the end of the file", 24));
}

// ---- every damaged version of a small valid file ----

// A small file with every metadata type, nested arrays and three tensors.
std::vector<std::byte> SmallValidFile() {
  GgufWriter w;
  test::set_every_scalar_type(w);
  w.set("strings", std::vector<std::string>{"a", "", "ccc"});
  w.set("nested", std::vector<std::vector<int32_t>>{{1, 2}, {}, {3}});
  w.set("bools", std::vector<bool>{true, false});
  const std::vector<float> v(32, 1.0f);
  w.add_tensor_f32("a", {32}, v);
  w.add_tensor("b", {32}, TensorType::q8_0, std::vector<std::byte>(34, std::byte{1}));
  w.add_tensor_f32("c", {5}, std::span(v).first(5));  // not a multiple of 32 bytes: padded
  return w.to_bytes();
}

TEST(GgufDamaged, EveryPrefixIsRefused) {
  const std::vector<std::byte> file = SmallValidFile();
  const auto whole = GgufFile::parse(file, kName);
  const GgufTensorInfo& last = whole->tensors().back();
  // The last tensor's padding is not needed: prefixes still holding all the data are whole files.
  const size_t needed = whole->data_offset() + last.offset + last.n_bytes;
  ASSERT_LT(needed, file.size());
  for (size_t n = 0; n <= file.size(); ++n) {
    const std::span<const std::byte> prefix(file.data(), n);
    if (n >= needed) {
      EXPECT_NO_THROW(GgufFile::parse(prefix, kName)) << n;
      continue;
    }
    try {
      GgufFile::parse(prefix, kName);
      ADD_FAILURE() << "a prefix of " << n << " bytes parsed";
    } catch (const GgufError& e) {
      const std::string what = e.what();
      EXPECT_TRUE(
          what.find("truncated") != std::string::npos || what.find("beyond the end") != std::string::npos ||
          what.find("larger than the file can hold") != std::string::npos ||
          what.find("more than the") != std::string::npos || what.find("past the end") != std::string::npos)
          << what;
    }
  }
}

TEST(GgufDamaged, EveryByteChangedParsesOrIsRefused) {
  const std::vector<std::byte> file = SmallValidFile();
  const size_t header_end = GgufFile::parse(file, kName)->data_offset();
  std::vector<std::byte> copy = file;
  size_t refused = 0;
  for (size_t i = 0; i < header_end; ++i) {
    for (uint8_t value : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      copy[i] = std::byte{value};
      try {
        const auto f = GgufFile::parse(copy, kName);
        for (const GgufTensorInfo& t : f->tensors()) {
          // Whatever was accepted lies inside the image.
          ASSERT_GE(t.data, copy.data());
          ASSERT_LE(t.data + t.n_bytes, copy.data() + copy.size());
        }
      } catch (const GgufError&) {
        ++refused;
      }
      copy[i] = file[i];
    }
  }
  EXPECT_GT(refused, 0u);
}

// Error context is put into words only when something fails: a long key over many small array elements
// must not cost (key length) x (element count).
TEST(GgufDamaged, LongKeyOverManyElementsParsesInLinearTime) {
  const std::string key(1 << 20, 'k');
  GgufBytes b;
  b.header(0, 2).key(key, test::kArray).u32(test::kString).u64(50000);
  for (int i = 0; i < 50000; ++i) b.str("");
  b.key(key + "2", test::kArray).u32(test::kArray).u64(50000);
  for (int i = 0; i < 50000; ++i) b.u32(test::kU8).u64(0);
  const auto start = std::chrono::steady_clock::now();
  const auto f = GgufFile::parse(b.span(), kName);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(f->get_string_array(key).size(), 50000u);
  EXPECT_LT(seconds, 5.0);
}

// ---- typed accessors ----

TEST(GgufAccessors, TypeMismatchesAreGgufErrors) {
  GgufWriter w;
  w.set("s", "text");
  w.set("neg", int32_t{-5});
  w.set("big", ~uint64_t{0});
  w.set("f", 1.5f);
  w.set("b", false);
  w.set("ints", std::vector<int32_t>{1, 2});
  w.set("floats", std::vector<float>{1.5f});
  w.set("strs", std::vector<std::string>{"x"});
  const std::vector<std::byte> bytes = w.to_bytes();
  const auto f = GgufFile::parse(bytes, "acc.gguf");

  EXPECT_EQ(f->get_uint("missing"), std::nullopt);
  EXPECT_EQ(f->get_array("missing"), nullptr);
  EXPECT_TRUE(f->get_string_array("missing").empty());
  EXPECT_EQ(f->get_int("neg"), -5);
  EXPECT_EQ(f->get_uint("big"), ~uint64_t{0});
  EXPECT_EQ(f->get_float("neg"), -5.0);
  EXPECT_EQ(f->get_float("f"), 1.5);
  EXPECT_EQ(f->get_bool("b"), false);
  EXPECT_EQ(f->get_int_array("ints"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(f->get_float_array("floats"), std::vector<float>{1.5f});

  const auto message = [&](auto&& call) -> std::string {
    try {
      call();
    } catch (const GgufError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(message([&] { f->get_uint("neg"); }),
            "acc.gguf: metadata key 'neg' must be a non-negative integer, is i32");
  EXPECT_EQ(message([&] { f->get_int("big"); }), "acc.gguf: metadata key 'big' must be an integer, is u64");
  EXPECT_EQ(message([&] { f->get_string("f"); }), "acc.gguf: metadata key 'f' must be a string, is f32");
  EXPECT_EQ(message([&] { f->get_bool("s"); }), "acc.gguf: metadata key 's' must be a bool, is string");
  EXPECT_EQ(message([&] { f->get_float("s"); }), "acc.gguf: metadata key 's' must be a number, is string");
  EXPECT_EQ(message([&] { f->get_array("s"); }), "acc.gguf: metadata key 's' must be an array, is string");
  EXPECT_EQ(message([&] { f->get_string_array("ints"); }),
            "acc.gguf: metadata key 'ints' must be an array of strings, holds i32");
  EXPECT_EQ(message([&] { f->get_float_array("strs"); }),
            "acc.gguf: metadata key 'strs' must be an array of floats, holds string");
  EXPECT_EQ(message([&] { f->get_int_array("strs"); }),
            "acc.gguf: metadata key 'strs' must be an array of integers, holds string");
  EXPECT_EQ(message([&] { f->require_uint("nope"); }), "acc.gguf: missing required metadata key 'nope'");
  EXPECT_EQ(message([&] { f->require_string("nope"); }), "acc.gguf: missing required metadata key 'nope'");
}

}  // namespace
}  // namespace ck
