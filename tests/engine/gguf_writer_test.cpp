// GgufWriter: whatever it writes, GgufFile reads back identically (every value type, nested arrays,
// tensors and their data, under several alignments, as v3 and v2); write() is atomic; misuse throws.
#include "ckernel/engine/gguf_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <system_error>

#include "ckernel/engine/gguf.h"
#include "gguf_bytes.h"

namespace ck {
namespace {

using kernels::TensorType;
namespace fs = std::filesystem;

std::unique_ptr<GgufFile> Reparse(const std::vector<std::byte>& bytes) {
  return GgufFile::parse(bytes, "written.gguf");
}

const GgufArray& ArrayOf(const GgufValue& v) {
  EXPECT_EQ(v.type, GgufValueType::array);
  return *std::get<std::shared_ptr<const GgufArray>>(v.data);
}

// Checks that a value read back is the value written: same type, and the same bytes when encoded again.
void ExpectSameValue(const GgufWriteValue& written, const GgufValue& read, const std::string& key) {
  ASSERT_EQ(read.type, written.type()) << key;
  const GgufWriteValue again = GgufWriteValue::copy_of(read);
  const auto a = written.encoded(), b = again.encoded();
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << key;
}

// ---- metadata ----

TEST(GgufWriterRoundTrip, ScalarsOfEveryType) {
  GgufWriter w;
  w.set("u8", uint8_t{255});
  w.set("i8", int8_t{-128});
  w.set("u16", uint16_t{65535});
  w.set("i16", int16_t{-32768});
  w.set("u32", uint32_t{4000000000u});
  w.set("i32", int32_t{-2000000000});
  w.set("u64", std::numeric_limits<uint64_t>::max());
  w.set("i64", std::numeric_limits<int64_t>::min());
  w.set("f32", 3.25f);
  w.set("f32.denormal", std::numeric_limits<float>::denorm_min());
  w.set("f32.inf", -std::numeric_limits<float>::infinity());
  w.set("f32.nan", std::numeric_limits<float>::quiet_NaN());
  w.set("f64", 1e300);
  w.set("f64.negzero", -0.0);
  w.set("true", true);
  w.set("false", false);
  w.set("string", "hello");
  w.set("string.std", std::string("from std::string"));
  w.set("string.view", std::string_view("from a view"));
  w.set("string.empty", "");
  w.set("string.nul", std::string("a\0b", 3));
  w.set("string.utf8", "naïve 日本語 🦙");
  w.set("string.long", std::string(100000, 'x'));
  const std::vector<std::byte> bytes = w.to_bytes();
  const auto f = Reparse(bytes);

  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->metadata().size(), w.metadata_count());
  const auto type_of = [&](std::string_view k) { return f->find(k)->type; };
  EXPECT_EQ(type_of("u8"), GgufValueType::u8);
  EXPECT_EQ(type_of("i8"), GgufValueType::i8);
  EXPECT_EQ(type_of("u16"), GgufValueType::u16);
  EXPECT_EQ(type_of("i16"), GgufValueType::i16);
  EXPECT_EQ(type_of("u32"), GgufValueType::u32);
  EXPECT_EQ(type_of("i32"), GgufValueType::i32);
  EXPECT_EQ(type_of("u64"), GgufValueType::u64);
  EXPECT_EQ(type_of("i64"), GgufValueType::i64);
  EXPECT_EQ(type_of("f32"), GgufValueType::f32);
  EXPECT_EQ(type_of("f64"), GgufValueType::f64);
  EXPECT_EQ(type_of("true"), GgufValueType::boolean);
  EXPECT_EQ(type_of("string"), GgufValueType::string);

  EXPECT_EQ(f->get_uint("u8"), 255u);
  EXPECT_EQ(f->get_int("i8"), -128);
  EXPECT_EQ(f->get_uint("u16"), 65535u);
  EXPECT_EQ(f->get_int("i16"), -32768);
  EXPECT_EQ(f->get_uint("u32"), 4000000000u);
  EXPECT_EQ(f->get_int("i32"), -2000000000);
  EXPECT_EQ(f->get_uint("u64"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(f->get_int("i64"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f->get_float("f32"), 3.25);
  EXPECT_EQ(f->get_float("f32.denormal"), double{std::numeric_limits<float>::denorm_min()});
  EXPECT_EQ(f->get_float("f32.inf"), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(*f->get_float("f32.nan")));
  EXPECT_EQ(f->get_float("f64"), 1e300);
  EXPECT_TRUE(std::signbit(*f->get_float("f64.negzero")));
  EXPECT_EQ(f->get_bool("true"), true);
  EXPECT_EQ(f->get_bool("false"), false);
  EXPECT_EQ(f->get_string("string"), "hello");
  EXPECT_EQ(f->get_string("string.std"), "from std::string");
  EXPECT_EQ(f->get_string("string.view"), "from a view");
  EXPECT_EQ(f->get_string("string.empty"), "");
  EXPECT_EQ(f->get_string("string.nul"), std::string_view("a\0b", 3));
  EXPECT_EQ(f->get_string("string.utf8"), "naïve 日本語 🦙");
  EXPECT_EQ(f->get_string("string.long"), std::string(100000, 'x'));
}

TEST(GgufWriterRoundTrip, ArraysOfEveryType) {
  GgufWriter w;
  std::vector<std::pair<std::string, GgufWriteValue>> values{
      {"u8", std::vector<uint8_t>{0, 1, 255}},
      {"i8", std::vector<int8_t>{-128, 0, 127}},
      {"u16", std::vector<uint16_t>{0, 65535}},
      {"i16", std::vector<int16_t>{-32768, 32767}},
      {"u32", std::vector<uint32_t>{1, 2, 3, 4000000000u}},
      {"i32", std::vector<int32_t>{-1, 0, 1}},
      {"u64", std::vector<uint64_t>{std::numeric_limits<uint64_t>::max()}},
      {"i64", std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 5}},
      {"f32", std::vector<float>{0.5f, -1.25f, 1e-30f}},
      {"f64", std::vector<double>{0.1, -2.5e20}},
      {"bool", std::vector<bool>{true, false, true}},
      {"string", std::vector<std::string>{"a", "", "ccc", std::string("\0", 1)}},
      {"string_view", std::vector<std::string_view>{"x", "yz"}},
      {"empty.u32", std::vector<uint32_t>{}},
      {"empty.string", std::vector<std::string>{}},
      {"empty.explicit", GgufWriteValue::array(GgufValueType::f64, {})},
      {"nested", std::vector<std::vector<int32_t>>{{1, 2}, {}, {3}}},
      {"nested.strings", std::vector<std::vector<std::string>>{{"a"}, {"b", "c"}}},
      {"nested.3", std::vector<std::vector<std::vector<uint8_t>>>{{{1}, {2, 3}}, {}, {{}}}},
      // Arrays of arrays whose inner arrays differ in element type.
      {"nested.mixed", GgufWriteValue::array(GgufValueType::array,
                                             std::vector<GgufWriteValue>{
                                                 std::vector<float>{1.5f}, std::vector<std::string>{"s"},
                                                 GgufWriteValue::array(GgufValueType::boolean, {})})},
  };
  for (const auto& [k, v] : values) w.set(k, v);
  const std::vector<std::byte> bytes = w.to_bytes();
  const auto f = Reparse(bytes);
  ASSERT_EQ(f->metadata().size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(f->metadata()[i].first, values[i].first);  // written in the order set
    ExpectSameValue(values[i].second, f->metadata()[i].second, values[i].first);
  }

  EXPECT_EQ(f->get_array("u8")->element_type, GgufValueType::u8);
  EXPECT_EQ(f->get_int_array("i8"), (std::vector<int64_t>{-128, 0, 127}));
  EXPECT_EQ(f->get_int_array("u32"), (std::vector<int64_t>{1, 2, 3, 4000000000}));
  EXPECT_EQ(f->get_float_array("f32"), (std::vector<float>{0.5f, -1.25f, 1e-30f}));
  EXPECT_EQ(f->get_float_array("f64"), (std::vector<float>{0.1f, -2.5e20f}));
  const GgufArray& bools = *f->get_array("bool");
  EXPECT_EQ(bools.element_type, GgufValueType::boolean);
  ASSERT_EQ(bools.items.size(), 3u);
  EXPECT_EQ(std::get<bool>(bools.items[1].data), false);
  EXPECT_EQ(f->get_string_array("string"),
            (std::vector<std::string_view>{"a", "", "ccc", std::string_view("\0", 1)}));
  EXPECT_EQ(f->get_string_array("string_view"), (std::vector<std::string_view>{"x", "yz"}));
  EXPECT_EQ(f->get_array("empty.u32")->element_type, GgufValueType::u32);
  EXPECT_TRUE(f->get_array("empty.u32")->items.empty());
  EXPECT_EQ(f->get_array("empty.string")->element_type, GgufValueType::string);
  EXPECT_EQ(f->get_array("empty.explicit")->element_type, GgufValueType::f64);

  const GgufArray& nested = *f->get_array("nested");
  EXPECT_EQ(nested.element_type, GgufValueType::array);
  ASSERT_EQ(nested.items.size(), 3u);
  EXPECT_EQ(ArrayOf(nested.items[0]).element_type, GgufValueType::i32);
  EXPECT_EQ(ArrayOf(nested.items[0]).items.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(ArrayOf(nested.items[0]).items[1].data), 2);
  EXPECT_TRUE(ArrayOf(nested.items[1]).items.empty());
  EXPECT_EQ(ArrayOf(nested.items[1]).element_type, GgufValueType::i32);
  EXPECT_EQ(std::get<int64_t>(ArrayOf(nested.items[2]).items[0].data), 3);

  const GgufArray& three = *f->get_array("nested.3");
  EXPECT_EQ(std::get<uint64_t>(ArrayOf(ArrayOf(three.items[0]).items[1]).items[1].data), 3u);
  EXPECT_EQ(ArrayOf(ArrayOf(three.items[2]).items[0]).element_type, GgufValueType::u8);

  const GgufArray& mixed = *f->get_array("nested.mixed");
  ASSERT_EQ(mixed.items.size(), 3u);
  EXPECT_EQ(ArrayOf(mixed.items[0]).element_type, GgufValueType::f32);
  EXPECT_EQ(ArrayOf(mixed.items[1]).element_type, GgufValueType::string);
  EXPECT_EQ(std::get<std::string_view>(ArrayOf(mixed.items[1]).items[0].data), "s");
  EXPECT_EQ(ArrayOf(mixed.items[2]).element_type, GgufValueType::boolean);
}

TEST(GgufWriterRoundTrip, SettingAKeyAgainKeepsItsPlace) {
  GgufWriter w;
  w.set("a", uint32_t{1});
  w.set("b", "two");
  w.set("c", 3.0f);
  w.set("b", std::vector<int32_t>{2, 2});
  EXPECT_EQ(w.metadata_count(), 3u);
  EXPECT_TRUE(w.has("b"));
  w.remove("a");
  EXPECT_FALSE(w.has("a"));
  const std::vector<std::byte> bytes = w.to_bytes();
  const auto f = Reparse(bytes);
  ASSERT_EQ(f->metadata().size(), 2u);
  EXPECT_EQ(f->metadata()[0].first, "b");
  EXPECT_EQ(f->get_int_array("b"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(f->metadata()[1].first, "c");
}

TEST(GgufWriterRoundTrip, EmptyFile) {
  const GgufWriter w;
  const std::vector<std::byte> bytes = w.to_bytes();
  EXPECT_EQ(bytes.size(), 32u);  // the 24-byte header padded to the alignment
  const auto f = Reparse(bytes);
  EXPECT_TRUE(f->metadata().empty());
  EXPECT_TRUE(f->tensors().empty());
}

// ---- tensors ----

std::vector<std::byte> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(n);
  for (std::byte& b : out) b = static_cast<std::byte>(rng() & 0xff);
  return out;
}

struct TensorSpec {
  std::string name;
  std::vector<int64_t> ne;
  TensorType type;
};

class GgufWriterAlignment : public ::testing::TestWithParam<uint32_t> {};

TEST_P(GgufWriterAlignment, TensorsAndTheirData) {
  const uint32_t alignment = GetParam();
  const std::vector<TensorSpec> specs{
      {"f32.1d", {7}, TensorType::f32},
      {"f16.2d", {3, 5}, TensorType::f16},
      {"bf16.3d", {2, 3, 4}, TensorType::bf16},
      {"q4_0.4d", {64, 2, 1, 3}, TensorType::q4_0},
      {"q8_0", {32, 3}, TensorType::q8_0},
      {"q4_k", {256, 2}, TensorType::q4_k},
      {"q6_k", {512}, TensorType::q6_k},
      {"q2_k", {256}, TensorType::q2_k},
      {"i8", {13}, TensorType::i8},
      {"f64", {1}, TensorType::f64},
      {std::string(GgufWriter::kMaxTensorNameLength, 'n'), {1}, TensorType::i32},
  };
  GgufWriter w;
  w.set("general.architecture", "test");
  if (alignment != GgufWriter::kDefaultAlignment) w.set_alignment(alignment);
  EXPECT_EQ(w.alignment(), alignment);
  std::vector<std::vector<std::byte>> data;
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorSpec& s = specs[i];
    int64_t n = 1;
    for (int64_t d : s.ne) n *= d;
    data.push_back(RandomBytes(kernels::row_bytes(s.type, n), static_cast<uint32_t>(i)));
    if (i % 2 == 0)
      w.add_tensor(s.name, s.ne, s.type, std::span<const std::byte>(data.back()));
    else
      w.add_tensor(s.name, s.ne, s.type, std::vector<std::byte>(data.back()));
  }
  const std::vector<float> floats{1.0f, -2.0f, 0.5f, 8.0f};
  w.add_tensor_f32("floats", {2, 2}, floats);
  EXPECT_EQ(w.tensor_count(), specs.size() + 1);

  const std::vector<std::byte> bytes = w.to_bytes();
  EXPECT_EQ(bytes.size() % alignment, 0u);
  const auto f = Reparse(bytes);
  EXPECT_EQ(f->alignment(), alignment);
  EXPECT_EQ(f->data_offset() % alignment, 0u);
  ASSERT_EQ(f->tensors().size(), specs.size() + 1);
  uint64_t expected_offset = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    const GgufTensorInfo& t = f->tensors()[i];
    EXPECT_EQ(t.name, specs[i].name);
    EXPECT_EQ(t.ne, specs[i].ne) << t.name;
    EXPECT_EQ(t.type, specs[i].type) << t.name;
    EXPECT_EQ(t.n_bytes, data[i].size()) << t.name;
    // Packed in order, each at the next multiple of the alignment, as llama.cpp requires.
    EXPECT_EQ(t.offset, expected_offset) << t.name;
    expected_offset += (t.n_bytes + alignment - 1) / alignment * alignment;
    EXPECT_EQ(static_cast<size_t>(t.data - bytes.data()) % alignment, 0u) << t.name;
    EXPECT_EQ(0, std::memcmp(t.data, data[i].data(), data[i].size())) << t.name;
    EXPECT_EQ(f->find_tensor(specs[i].name), &t);
  }
  const GgufTensorInfo& fl = *f->find_tensor("floats");
  EXPECT_EQ(fl.type, TensorType::f32);
  EXPECT_EQ(0, std::memcmp(fl.data, floats.data(), 16));
  // The padding is zeros.
  const GgufTensorInfo& first = f->tensors()[0];
  for (size_t i = f->data_offset() + first.n_bytes; i < f->data_offset() + f->tensors()[1].offset; ++i)
    EXPECT_EQ(bytes[i], std::byte{0});
}

INSTANTIATE_TEST_SUITE_P(Alignments, GgufWriterAlignment, ::testing::Values(32u, 64u, 1u, 8u, 4096u));

TEST(GgufWriterRoundTrip, Version2) {
  GgufWriter w(2);
  w.set("general.architecture", "llama");
  w.set("list", std::vector<uint64_t>{1, 2});
  w.add_tensor_f32("w", {4}, std::vector<float>{1, 2, 3, 4});
  const std::vector<std::byte> bytes = w.to_bytes();
  uint32_t version;
  std::memcpy(&version, bytes.data() + 4, 4);
  EXPECT_EQ(version, 2u);
  const auto f = Reparse(bytes);
  EXPECT_EQ(f->version(), 2u);
  EXPECT_EQ(f->get_string("general.architecture"), "llama");
  EXPECT_EQ(f->get_int_array("list"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(f->tensors().at(0).ne, std::vector<int64_t>{4});
}

TEST(GgufWriterRoundTrip, HandMadeVersion2File) {
  // As gguf-py's v2 writer laid files out: 64-bit counts and lengths, like v3.
  test::GgufBytes b;
  b.header(1, 2, 2).kv_str("general.architecture", "llama").kv_u32("general.alignment", 16);
  b.tensor("t", {4}, static_cast<uint32_t>(TensorType::f32), 0).pad_to(16);
  const size_t data = b.size();
  b.f32(1).f32(2).f32(3).f32(4);
  const auto f = GgufFile::parse(b.span(), "v2.gguf");
  EXPECT_EQ(f->version(), 2u);
  EXPECT_EQ(f->alignment(), 16u);
  EXPECT_EQ(f->data_offset(), data);
  float v[4];
  std::memcpy(v, f->tensors()[0].data, 16);
  EXPECT_EQ(v[3], 4.0f);
}

// The writer lays a file out exactly as llama.cpp did: copying a real model through it reproduces it.
TEST(GgufWriterRoundTrip, RealModelCopiesByteForByte) {
  const auto original = GgufFile::open(std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf");
  GgufWriter w(original->version());
  for (const auto& [key, value] : original->metadata()) w.set(key, GgufWriteValue::copy_of(value));
  for (const GgufTensorInfo& t : original->tensors())
    w.add_tensor(std::string(t.name), t.ne, t.type, std::span(t.data, t.n_bytes));
  const std::vector<std::byte> copy = w.to_bytes();
  const std::span<const std::byte> bytes = original->bytes();
  ASSERT_EQ(copy.size(), bytes.size());
  EXPECT_TRUE(std::equal(copy.begin(), copy.end(), bytes.begin()));
}

// ---- write() ----

class GgufWriterFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("ck-gguf-writer-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path dir_;
};

TEST_F(GgufWriterFile, WritesWhatToBytesReturns) {
  GgufWriter w;
  w.set("general.architecture", "llama");
  w.add_tensor_f32("w", {3}, std::vector<float>{1, 2, 3});
  const std::string path = (dir_ / "model.gguf").string();
  w.write(path);
  EXPECT_EQ(Entries(), std::vector<std::string>{"model.gguf"});  // no temporary left behind
  const auto f = GgufFile::open(path);
  const std::vector<std::byte> expected = w.to_bytes();
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), f->bytes().begin(), f->bytes().end()));
  EXPECT_EQ(f->get_string("general.architecture"), "llama");
}

TEST_F(GgufWriterFile, ReplacesAnExistingFileWhole) {
  const std::string path = (dir_ / "model.gguf").string();
  GgufWriter big;
  big.add_tensor("w", {1 << 16}, TensorType::f32, std::vector<std::byte>(1 << 18, std::byte{7}));
  big.write(path);
  GgufWriter small;
  small.set("general.name", "small");
  small.write(path);
  const auto f = GgufFile::open(path);
  EXPECT_EQ(f->bytes().size(), small.to_bytes().size());
  EXPECT_EQ(f->get_string("general.name"), "small");
  EXPECT_EQ(Entries(), std::vector<std::string>{"model.gguf"});
}

TEST_F(GgufWriterFile, FailureLeavesNothingBehind) {
  GgufWriter w;
  w.set("general.name", "x");
  EXPECT_THROW(w.write((dir_ / "missing-dir" / "model.gguf").string()), std::system_error);
  // Renaming onto a directory fails after the temporary was written: it must be removed again.
  fs::create_directory(dir_ / "occupied.gguf");
  fs::create_directory(dir_ / "occupied.gguf" / "child");
  EXPECT_THROW(w.write((dir_ / "occupied.gguf").string()), std::system_error);
  EXPECT_EQ(Entries(), std::vector<std::string>{"occupied.gguf"});
}

// ---- misuse ----

std::string MisuseMessage(const std::function<void()>& f) {
  try {
    f();
  } catch (const GgufWriterError& e) {
    return e.what();
  }
  return "(no GgufWriterError)";
}

::testing::AssertionResult Mentions(const std::string& message, const std::string& needle) {
  if (message.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << message << "\" lacks \"" << needle << "\"";
}

TEST(GgufWriterMisuse, TensorShapeAndSize) {
  GgufWriter w;
  const auto add = [&](std::vector<int64_t> ne, TensorType type, size_t n_bytes, std::string name = "t") {
    return MisuseMessage([&] { w.add_tensor(name, ne, type, std::vector<std::byte>(n_bytes)); });
  };
  EXPECT_TRUE(Mentions(add({100, 2}, TensorType::q4_k, 144),
                       "tensor 't' has rows of 100 elements, not a multiple of Q4_K's block of 256"));
  EXPECT_TRUE(Mentions(add({33}, TensorType::q8_0, 34), "not a multiple of Q8_0's block of 32"));
  EXPECT_TRUE(Mentions(add({256, 2}, TensorType::q4_k, 144),
                       "tensor 't' has 144 bytes of data, but shape [256, 2] of Q4_K takes 288"));
  EXPECT_TRUE(Mentions(add({4}, TensorType::f32, 17), "has 17 bytes of data, but shape [4] of F32 takes 16"));
  EXPECT_TRUE(Mentions(add({}, TensorType::f32, 0), "tensor 't' has 0 dimensions (1 to 4 supported)"));
  EXPECT_TRUE(Mentions(add({1, 1, 1, 1, 1}, TensorType::f32, 4), "has 5 dimensions"));
  EXPECT_TRUE(Mentions(add({4, 0}, TensorType::f32, 0), "shape [4, 0]: dimensions must be positive"));
  EXPECT_TRUE(Mentions(add({-4}, TensorType::f32, 0), "dimensions must be positive"));
  EXPECT_TRUE(Mentions(add({int64_t{1} << 32, int64_t{1} << 32}, TensorType::f32, 0),
                       "their product must fit in int64"));
  EXPECT_TRUE(Mentions(add({int64_t{1} << 62}, TensorType::f32, 0), "is too large"));
  EXPECT_TRUE(Mentions(add({32}, static_cast<TensorType>(77), 0), "tensor 't' has unknown tensor type 77"));
  EXPECT_TRUE(Mentions(add({1}, TensorType::f32, 4, ""), "tensor names must not be empty"));
  EXPECT_TRUE(Mentions(add({1}, TensorType::f32, 4, std::string(64, 'n')), "is 64 bytes long (at most 63)"));
  EXPECT_EQ(w.tensor_count(), 0u);  // nothing half-added
  w.add_tensor("t", {1}, TensorType::f32, std::vector<std::byte>(4));
  EXPECT_TRUE(Mentions(add({1}, TensorType::f32, 4), "duplicate tensor name 't'"));
  EXPECT_EQ(w.tensor_count(), 1u);
}

TEST(GgufWriterMisuse, Metadata) {
  GgufWriter w;
  EXPECT_TRUE(Mentions(MisuseMessage([&] { w.set("general.alignment", uint64_t{32}); }),
                       "general.alignment must be a u32, not u64"));
  EXPECT_TRUE(
      Mentions(MisuseMessage([&] { w.set("general.alignment", int32_t{32}); }), "must be a u32, not i32"));
  EXPECT_TRUE(Mentions(MisuseMessage([&] { w.set_alignment(0); }), "must be a power of two, not 0"));
  EXPECT_TRUE(Mentions(MisuseMessage([&] { w.set_alignment(48); }), "must be a power of two, not 48"));
  EXPECT_EQ(w.alignment(), 32u);
  EXPECT_FALSE(w.has("general.alignment"));
  EXPECT_TRUE(Mentions(MisuseMessage([&] { w.set("", 1); }), "metadata keys must not be empty"));
  EXPECT_TRUE(
      Mentions(MisuseMessage([&] {
                 GgufWriteValue::array(GgufValueType::u32, std::vector<GgufWriteValue>{uint32_t{1}, 2});
               }),
               "array of u32 given a i32 as element 1"));
  EXPECT_TRUE(Mentions(MisuseMessage([&] { GgufWriteValue::array(static_cast<GgufValueType>(13), {}); }),
                       "unknown array element type 13"));
  EXPECT_TRUE(Mentions(MisuseMessage([] { GgufWriter bad(1); }), "cannot write GGUF version 1"));
  EXPECT_TRUE(Mentions(MisuseMessage([] { GgufWriter bad(4); }), "cannot write GGUF version 4"));

  GgufWriteValue deep = std::vector<uint8_t>{1};
  for (int level = 2; level <= GgufWriteValue::kMaxNesting; ++level)
    deep = GgufWriteValue::array(GgufValueType::array, std::vector<GgufWriteValue>{deep});
  EXPECT_EQ(deep.nesting(), 8);
  w.set("deep", deep);  // as deep as GgufFile reads
  const GgufWriteValue deeper =
      GgufWriteValue::array(GgufValueType::array, std::vector<GgufWriteValue>{deep});
  EXPECT_TRUE(Mentions(MisuseMessage([&] { w.set("deeper", deeper); }),
                       "value of 'deeper' nests arrays 9 levels deep (at most 8)"));
  EXPECT_EQ(GgufFile::parse(w.to_bytes(), "deep.gguf")->metadata().size(), 1u);

  w.set_alignment(64);
  EXPECT_EQ(w.alignment(), 64u);
  w.remove("general.alignment");
  EXPECT_EQ(w.alignment(), 32u);
}

}  // namespace
}  // namespace ck
