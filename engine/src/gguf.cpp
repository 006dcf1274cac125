#include "ckernel/engine/gguf.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <system_error>
#include <type_traits>

namespace ck {
namespace {

constexpr uint64_t kMaxDims = 4;          // as ggml: tensors have at most four dimensions
constexpr int kMaxArrayNesting = 8;       // deeper nesting is hostile, not useful
constexpr size_t kDefaultAlignment = 32;  // GGUF's default when general.alignment is absent
constexpr std::string_view kAlignmentKey = "general.alignment";

// Smallest encoding of one value of a type; lets counts be checked against the bytes left before
// anything is allocated for them.
uint64_t min_encoded_size(GgufValueType type) {
  switch (type) {
    case GgufValueType::u8:
    case GgufValueType::i8:
    case GgufValueType::boolean:
      return 1;
    case GgufValueType::u16:
    case GgufValueType::i16:
      return 2;
    case GgufValueType::u32:
    case GgufValueType::i32:
    case GgufValueType::f32:
      return 4;
    case GgufValueType::u64:
    case GgufValueType::i64:
    case GgufValueType::f64:
    case GgufValueType::string:
      return 8;
    case GgufValueType::array:
      return 12;
  }
  return 0;
}

bool is_known_value_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufValueType::f64); }

// Names what is being read, for error messages: a string, or a function making one. The text is only
// made when something fails, since building it for every array element would cost (key length) x
// (element count) on a hostile file. Refers to its argument: only pass it down the stack.
class What {
 public:
  What(const char* text)
      : context_(text), describe_([](const void* c) { return std::string(static_cast<const char*>(c)); }) {}
  What(const std::string& text)
      : context_(&text), describe_([](const void* c) { return *static_cast<const std::string*>(c); }) {}
  template <class F>
  requires std::is_invocable_r_v<std::string, const F&> What(const F& describe)
      : context_(&describe), describe_([](const void* c) { return (*static_cast<const F*>(c))(); }) {}

  std::string str() const { return describe_(context_); }

 private:
  const void* context_;
  std::string (*describe_)(const void*);
};

// Bounds-checked little-endian reads from the file image; every failure names what was being read.
class Cursor {
 public:
  Cursor(const GgufFile& file, std::span<const std::byte> bytes) : file_(file), bytes_(bytes) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return bytes_.size() - pos_; }

  void need(uint64_t n, const What& what) const {
    if (n > left())
      file_.fail("truncated " + what.str() + ": needs " + std::to_string(n) + " bytes, " +
                     std::to_string(left()) + " left",
                 pos_);
  }

  template <class T>
  T read(const What& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  std::string_view read_string(const What& what) {
    const uint64_t at = pos_;
    const uint64_t len = read<uint64_t>([&] { return what.str() + " length"; });
    if (len > left())
      file_.fail(what.str() + " has length " + std::to_string(len) + " beyond the end of the file", at);
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return s;
  }

 private:
  const GgufFile& file_;
  std::span<const std::byte> bytes_;
  uint64_t pos_ = 0;
};

GgufValue read_value(const GgufFile& file, Cursor& in, GgufValueType type, const What& what, int depth) {
  switch (type) {
    case GgufValueType::u8:
      return {type, uint64_t{in.read<uint8_t>(what)}};
    case GgufValueType::u16:
      return {type, uint64_t{in.read<uint16_t>(what)}};
    case GgufValueType::u32:
      return {type, uint64_t{in.read<uint32_t>(what)}};
    case GgufValueType::u64:
      return {type, in.read<uint64_t>(what)};
    case GgufValueType::i8:
      return {type, int64_t{in.read<int8_t>(what)}};
    case GgufValueType::i16:
      return {type, int64_t{in.read<int16_t>(what)}};
    case GgufValueType::i32:
      return {type, int64_t{in.read<int32_t>(what)}};
    case GgufValueType::i64:
      return {type, in.read<int64_t>(what)};
    case GgufValueType::f32:
      return {type, double{in.read<float>(what)}};
    case GgufValueType::f64:
      return {type, in.read<double>(what)};
    case GgufValueType::boolean: {
      const uint64_t at = in.pos();
      const uint8_t b = in.read<uint8_t>(what);
      if (b > 1)
        file.fail(what.str() + " is a bool with value " + std::to_string(b) + " (must be 0 or 1)", at);
      return {type, b == 1};
    }
    case GgufValueType::string:
      return {type, in.read_string(what)};
    case GgufValueType::array: {
      const uint64_t at = in.pos();
      if (depth >= kMaxArrayNesting)
        file.fail(what.str() + " nests arrays deeper than " + std::to_string(kMaxArrayNesting) + " levels",
                  at);
      const uint32_t raw_type = in.read<uint32_t>([&] { return what.str() + " element type"; });
      if (!is_known_value_type(raw_type))
        file.fail(what.str() + " has unknown element type " + std::to_string(raw_type), at);
      const auto element_type = static_cast<GgufValueType>(raw_type);
      const uint64_t count = in.read<uint64_t>([&] { return what.str() + " element count"; });
      if (count > in.left() / min_encoded_size(element_type))
        file.fail(what.str() + " claims " + std::to_string(count) + " elements of type " +
                      std::string(value_type_name(element_type)) + ", more than the " +
                      std::to_string(in.left()) + " bytes left can hold",
                  at);
      auto array = std::make_shared<GgufArray>();
      array->element_type = element_type;
      array->items.reserve(count);
      const auto describe_element = [&] { return "element of " + what.str(); };
      const What element_what(describe_element);
      for (uint64_t i = 0; i < count; ++i)
        array->items.push_back(read_value(file, in, element_type, element_what, depth + 1));
      return {type, std::shared_ptr<const GgufArray>(std::move(array))};
    }
  }
  file.fail(what.str() + " has unknown type " + std::to_string(static_cast<uint32_t>(type)), in.pos());
}

std::string describe(const GgufValue& v) { return std::string(value_type_name(v.type)); }

}  // namespace

std::string_view value_type_name(GgufValueType type) {
  switch (type) {
    case GgufValueType::u8:
      return "u8";
    case GgufValueType::i8:
      return "i8";
    case GgufValueType::u16:
      return "u16";
    case GgufValueType::i16:
      return "i16";
    case GgufValueType::u32:
      return "u32";
    case GgufValueType::i32:
      return "i32";
    case GgufValueType::f32:
      return "f32";
    case GgufValueType::boolean:
      return "bool";
    case GgufValueType::string:
      return "string";
    case GgufValueType::array:
      return "array";
    case GgufValueType::u64:
      return "u64";
    case GgufValueType::i64:
      return "i64";
    case GgufValueType::f64:
      return "f64";
  }
  return "unknown";
}

int64_t GgufTensorInfo::n_elements() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

GgufFile::~GgufFile() = default;

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path) { return open(map_model_file(path)); }

std::unique_ptr<GgufFile> GgufFile::open(ModelImage image) {
  std::unique_ptr<GgufFile> file = parse(image.bytes, std::move(image.name));
  file->owner_ = std::move(image.owner);
  return file;
}

std::unique_ptr<GgufFile> GgufFile::parse(std::span<const std::byte> bytes, std::string name) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->name_ = std::move(name);
  file->bytes_ = bytes;
  file->parse_contents();
  return file;
}

void GgufFile::fail(const std::string& problem, std::optional<uint64_t> offset) const {
  std::string what = name_ + ": " + problem;
  if (offset) what += " (at offset " + std::to_string(*offset) + ")";
  throw GgufError(what, offset);
}

void GgufFile::parse_contents() {
  Cursor in(*this, bytes_);
  if (bytes_.size() < 4)
    fail("truncated header: " + std::to_string(bytes_.size()) + " bytes is not a GGUF file", 0);
  if (std::memcmp(bytes_.data(), "GGUF", 4) != 0) fail("bad magic: not a GGUF file", 0);
  in.read<uint32_t>("magic");
  version_ = in.read<uint32_t>("header version");
  if (version_ != 2 && version_ != 3)
    fail("unsupported GGUF version " + std::to_string(version_) + " (supported: 2 and 3)", 4);
  const uint64_t n_tensors = in.read<uint64_t>("header tensor count");
  const uint64_t n_kv = in.read<uint64_t>("header metadata count");

  // Each key/value pair takes at least 13 bytes (key length + type + 1), each tensor info at least 24.
  if (n_kv > in.left() / 13)
    fail("metadata count " + std::to_string(n_kv) + " is larger than the file can hold", 16);
  metadata_.reserve(n_kv);
  for (uint64_t i = 0; i < n_kv; ++i) {
    const uint64_t at = in.pos();
    const std::string_view key = in.read_string("metadata key " + std::to_string(i));
    const uint32_t raw_type = in.read<uint32_t>("type of key '" + std::string(key) + "'");
    if (!is_known_value_type(raw_type))
      fail("metadata key '" + std::string(key) + "' has unknown value type " + std::to_string(raw_type), at);
    GgufValue value =
        read_value(*this, in, static_cast<GgufValueType>(raw_type), "value of '" + std::string(key) + "'", 0);
    if (!metadata_index_.emplace(key, metadata_.size()).second)
      fail("duplicate metadata key '" + std::string(key) + "'", at);
    metadata_.emplace_back(key, std::move(value));
  }

  alignment_ = kDefaultAlignment;
  if (const GgufValue* a = find(kAlignmentKey)) {
    if (a->type != GgufValueType::u32)
      fail(std::string(kAlignmentKey) + " must be a u32, is " + describe(*a));
    const uint64_t value = std::get<uint64_t>(a->data);
    if (value == 0 || !std::has_single_bit(value))
      fail(std::string(kAlignmentKey) + " is " + std::to_string(value) + ", not a power of two");
    alignment_ = value;
  }

  if (n_tensors > in.left() / 24)
    fail("tensor count " + std::to_string(n_tensors) + " is larger than the file can hold", 8);
  tensors_.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const uint64_t at = in.pos();
    GgufTensorInfo t{};
    t.name = in.read_string("name of tensor " + std::to_string(i));
    const std::string name(t.name);
    const uint32_t n_dims = in.read<uint32_t>("dimension count of tensor '" + name + "'");
    if (n_dims == 0 || n_dims > kMaxDims)
      fail("tensor '" + name + "' has " + std::to_string(n_dims) + " dimensions (1 to 4 supported)", at);
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim = in.read<uint64_t>("dimension " + std::to_string(d) + " of tensor '" + name + "'");
      if (dim == 0 || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          static_cast<int64_t>(dim) > std::numeric_limits<int64_t>::max() / n_elements)
        fail("tensor '" + name + "' has dimension " + std::to_string(d) + " of " + std::to_string(dim) +
                 ", which is zero or makes the element count overflow",
             at);
      t.ne.push_back(static_cast<int64_t>(dim));
      n_elements *= static_cast<int64_t>(dim);
    }
    const uint32_t type_id = in.read<uint32_t>("type of tensor '" + name + "'");
    const std::optional<kernels::TypeTraits> traits = kernels::type_traits(type_id);
    if (!traits) fail("tensor '" + name + "' has unknown tensor type " + std::to_string(type_id), at);
    t.type = traits->type;
    if (t.ne[0] % traits->block_size != 0)
      fail("tensor '" + name + "' has rows of " + std::to_string(t.ne[0]) + " elements, not a multiple of " +
               std::string(traits->name) + "'s block of " + std::to_string(traits->block_size),
           at);
    const uint64_t n_blocks = static_cast<uint64_t>(n_elements / traits->block_size);
    if (n_blocks > std::numeric_limits<size_t>::max() / traits->block_bytes)
      fail("tensor '" + name + "' of " + std::to_string(n_elements) + " " + std::string(traits->name) +
               " elements takes more bytes than can be addressed",
           at);
    t.n_bytes = static_cast<size_t>(n_blocks) * traits->block_bytes;
    t.offset = in.read<uint64_t>("data offset of tensor '" + name + "'");
    if (t.offset % alignment_ != 0)
      fail("tensor '" + name + "' data offset " + std::to_string(t.offset) +
               " is not a multiple of the alignment " + std::to_string(alignment_),
           at);
    if (!tensor_index_.emplace(t.name, tensors_.size()).second)
      fail("duplicate tensor name '" + name + "'", at);
    tensors_.push_back(std::move(t));
  }

  const uint64_t header_end = in.pos();
  data_offset_ = (header_end + alignment_ - 1) / alignment_ * alignment_;
  const uint64_t data_size = data_offset_ <= bytes_.size() ? bytes_.size() - data_offset_ : 0;
  for (GgufTensorInfo& t : tensors_) {
    if (t.offset > data_size || t.n_bytes > data_size - t.offset)
      fail("data of tensor '" + std::string(t.name) + "' (" + std::to_string(t.n_bytes) +
               " bytes at data offset " + std::to_string(t.offset) + ") extends past the end of the file",
           data_offset_ + t.offset);
    t.data = bytes_.data() + data_offset_ + t.offset;
  }

  std::vector<const GgufTensorInfo*> by_offset;
  by_offset.reserve(tensors_.size());
  for (const GgufTensorInfo& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const GgufTensorInfo& prev = *by_offset[i - 1];
    const GgufTensorInfo& cur = *by_offset[i];
    if (prev.offset + prev.n_bytes > cur.offset)
      fail("data of tensors '" + std::string(prev.name) + "' and '" + std::string(cur.name) + "' overlap",
           data_offset_ + cur.offset);
  }
}

const GgufValue* GgufFile::find(std::string_view key) const {
  const auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

std::optional<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* u = std::get_if<uint64_t>(&v->data)) return *u;
  if (const auto* i = std::get_if<int64_t>(&v->data); i && *i >= 0) return static_cast<uint64_t>(*i);
  fail("metadata key '" + std::string(key) + "' must be a non-negative integer, is " + describe(*v));
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* i = std::get_if<int64_t>(&v->data)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&v->data);
      u && *u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return static_cast<int64_t>(*u);
  fail("metadata key '" + std::string(key) + "' must be an integer, is " + describe(*v));
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* d = std::get_if<double>(&v->data)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v->data)) return static_cast<double>(*i);
  if (const auto* u = std::get_if<uint64_t>(&v->data)) return static_cast<double>(*u);
  fail("metadata key '" + std::string(key) + "' must be a number, is " + describe(*v));
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* b = std::get_if<bool>(&v->data)) return *b;
  fail("metadata key '" + std::string(key) + "' must be a bool, is " + describe(*v));
}

std::optional<std::string_view> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (const auto* s = std::get_if<std::string_view>(&v->data)) return *s;
  fail("metadata key '" + std::string(key) + "' must be a string, is " + describe(*v));
}

const GgufArray* GgufFile::get_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return nullptr;
  if (const auto* a = std::get_if<std::shared_ptr<const GgufArray>>(&v->data)) return a->get();
  fail("metadata key '" + std::string(key) + "' must be an array, is " + describe(*v));
}

std::vector<std::string_view> GgufFile::get_string_array(std::string_view key) const {
  std::vector<std::string_view> out;
  const GgufArray* a = get_array(key);
  if (!a) return out;
  if (a->element_type != GgufValueType::string)
    fail("metadata key '" + std::string(key) + "' must be an array of strings, holds " +
         std::string(value_type_name(a->element_type)));
  out.reserve(a->items.size());
  for (const GgufValue& v : a->items) out.push_back(std::get<std::string_view>(v.data));
  return out;
}

std::vector<float> GgufFile::get_float_array(std::string_view key) const {
  std::vector<float> out;
  const GgufArray* a = get_array(key);
  if (!a) return out;
  if (a->element_type != GgufValueType::f32 && a->element_type != GgufValueType::f64)
    fail("metadata key '" + std::string(key) + "' must be an array of floats, holds " +
         std::string(value_type_name(a->element_type)));
  out.reserve(a->items.size());
  for (const GgufValue& v : a->items) out.push_back(static_cast<float>(std::get<double>(v.data)));
  return out;
}

std::vector<int64_t> GgufFile::get_int_array(std::string_view key) const {
  std::vector<int64_t> out;
  const GgufArray* a = get_array(key);
  if (!a) return out;
  out.reserve(a->items.size());
  for (const GgufValue& v : a->items) {
    if (const auto* i = std::get_if<int64_t>(&v.data)) {
      out.push_back(*i);
    } else if (const auto* u = std::get_if<uint64_t>(&v.data);
               u && *u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      out.push_back(static_cast<int64_t>(*u));
    } else {
      fail("metadata key '" + std::string(key) + "' must be an array of integers, holds " +
           std::string(value_type_name(a->element_type)));
    }
  }
  return out;
}

uint64_t GgufFile::require_uint(std::string_view key) const {
  if (auto v = get_uint(key)) return *v;
  fail("missing required metadata key '" + std::string(key) + "'");
}

std::string_view GgufFile::require_string(std::string_view key) const {
  if (auto v = get_string(key)) return *v;
  fail("missing required metadata key '" + std::string(key) + "'");
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace ck
