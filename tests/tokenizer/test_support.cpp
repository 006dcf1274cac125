#include "test_support.h"

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace ck::test {

std::string escape_bytes(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<uint8_t>(c);
    if (b >= 0x20 && b < 0x7F && b != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

std::string hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

std::string ids_to_string(const std::vector<TokenId>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
  return out + "]";
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string strip(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

std::vector<VocabCase> read_vocab_cases(const std::string& gguf_path) {
  // As test-tokenizer-0 reads them: split the whole .inp at "\n__ggml_vocab_test__\n" (so the separator
  // after the last input leaves nothing behind), one stripped line of the .out per input.
  const std::string raw = read_file(gguf_path + ".inp");
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> inputs;
  for (size_t pos = 0; pos < raw.size();) {
    const size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      inputs.push_back(raw.substr(pos));
      break;
    }
    inputs.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::string> lines;
  std::istringstream out(read_file(gguf_path + ".out"));
  for (std::string line; std::getline(out, line);) lines.push_back(line);
  if (inputs.size() != lines.size()) {
    throw std::runtime_error(gguf_path + ": " + std::to_string(inputs.size()) + " inputs but " +
                             std::to_string(lines.size()) + " output lines");
  }
  std::vector<VocabCase> cases;
  for (size_t i = 0; i < inputs.size(); ++i) {
    VocabCase c{inputs[i], {}};
    std::istringstream ids(strip(lines[i]));
    for (std::string id; ids >> id;) c.ids.push_back(static_cast<TokenId>(std::stol(id)));
    cases.push_back(std::move(c));
  }
  return cases;
}

namespace {

std::mutex g_mutex;
std::map<std::string, std::unique_ptr<GgufFile>> g_files;
std::map<std::string, std::unique_ptr<Tokenizer>> g_tokenizers;

}  // namespace

const GgufFile& test_gguf(const std::string& relative_path) {
  std::lock_guard lock(g_mutex);
  auto& slot = g_files[relative_path];
  if (!slot) slot = GgufFile::open(std::string(CK_TEST_DATA_DIR) + "/" + relative_path);
  return *slot;
}

const Tokenizer& test_tokenizer(const std::string& relative_path) {
  const GgufFile& file = test_gguf(relative_path);
  std::lock_guard lock(g_mutex);
  auto& slot = g_tokenizers[relative_path];
  if (!slot) slot = std::make_unique<Tokenizer>(Tokenizer::from_gguf(file));
  return *slot;
}

void GgufBuilder::put_u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) kv_.push_back(static_cast<std::byte>(v >> (8 * i)));
}

void GgufBuilder::put_u64(uint64_t v) {
  for (int i = 0; i < 8; ++i) kv_.push_back(static_cast<std::byte>(v >> (8 * i)));
}

void GgufBuilder::put_string(std::string_view s) {
  put_u64(s.size());
  for (char c : s) kv_.push_back(static_cast<std::byte>(c));
}

void GgufBuilder::key(std::string_view k, uint32_t type) {
  put_string(k);
  put_u32(type);
  ++n_kv_;
}

GgufBuilder& GgufBuilder::add_string(std::string_view k, std::string_view value) {
  key(k, static_cast<uint32_t>(GgufValueType::string));
  put_string(value);
  return *this;
}

GgufBuilder& GgufBuilder::add_u32(std::string_view k, uint32_t value) {
  key(k, static_cast<uint32_t>(GgufValueType::u32));
  put_u32(value);
  return *this;
}

GgufBuilder& GgufBuilder::add_bool(std::string_view k, bool value) {
  key(k, static_cast<uint32_t>(GgufValueType::boolean));
  kv_.push_back(static_cast<std::byte>(value ? 1 : 0));
  return *this;
}

GgufBuilder& GgufBuilder::add_strings(std::string_view k, const std::vector<std::string>& values) {
  key(k, static_cast<uint32_t>(GgufValueType::array));
  put_u32(static_cast<uint32_t>(GgufValueType::string));
  put_u64(values.size());
  for (const std::string& v : values) put_string(v);
  return *this;
}

GgufBuilder& GgufBuilder::add_f32s(std::string_view k, const std::vector<float>& values) {
  key(k, static_cast<uint32_t>(GgufValueType::array));
  put_u32(static_cast<uint32_t>(GgufValueType::f32));
  put_u64(values.size());
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    put_u32(bits);
  }
  return *this;
}

GgufBuilder& GgufBuilder::add_i32s(std::string_view k, const std::vector<int32_t>& values) {
  key(k, static_cast<uint32_t>(GgufValueType::array));
  put_u32(static_cast<uint32_t>(GgufValueType::i32));
  put_u64(values.size());
  for (int32_t v : values) put_u32(static_cast<uint32_t>(v));
  return *this;
}

std::vector<std::byte> GgufBuilder::bytes() const {
  std::vector<std::byte> out;
  const auto put = [&](uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::byte>(v >> (8 * i)));
  };
  for (char c : std::string_view("GGUF")) out.push_back(static_cast<std::byte>(c));
  put(3, 4);      // version
  put(0, 8);      // tensors
  put(n_kv_, 8);  // metadata
  out.insert(out.end(), kv_.begin(), kv_.end());
  return out;
}

}  // namespace ck::test
