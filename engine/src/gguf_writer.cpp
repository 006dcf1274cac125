#include "ckernel/engine/gguf_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>
#include <utility>

namespace ck {
namespace {

static_assert(std::endian::native == std::endian::little, "GGUF files are written little-endian");

constexpr std::string_view kAlignmentKey = "general.alignment";
constexpr size_t kMaxDims = 4;

[[noreturn]] void misuse(const std::string& problem) { throw GgufWriterError("GgufWriter: " + problem); }

// Appends raw bytes (resize and copy: GCC 12 misdiagnoses small vector::insert calls at -O2).
void put_bytes(std::vector<std::byte>& out, const void* p, size_t n) {
  if (n == 0) return;
  const size_t at = out.size();
  out.resize(at + n);
  std::memcpy(out.data() + at, p, n);
}

template <class T>
void put(std::vector<std::byte>& out, T v) {
  put_bytes(out, &v, sizeof(T));
}

void put_string(std::vector<std::byte>& out, std::string_view s) {
  put<uint64_t>(out, s.size());
  put_bytes(out, s.data(), s.size());
}

uint64_t padded(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }

std::string shape_text(const std::vector<int64_t>& ne) {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

bool is_known_value_type(GgufValueType t) {
  return static_cast<uint32_t>(t) <= static_cast<uint32_t>(GgufValueType::f64);
}

}  // namespace

// ---- GgufWriteValue ----

template <class T>
void GgufWriteValue::append_scalar(T v) {
  put(bytes_, v);
}

GgufWriteValue::GgufWriteValue(uint8_t v) : type_(GgufValueType::u8) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(int8_t v) : type_(GgufValueType::i8) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(uint16_t v) : type_(GgufValueType::u16) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(int16_t v) : type_(GgufValueType::i16) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(uint32_t v) : type_(GgufValueType::u32) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(int32_t v) : type_(GgufValueType::i32) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(uint64_t v) : type_(GgufValueType::u64) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(int64_t v) : type_(GgufValueType::i64) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(float v) : type_(GgufValueType::f32) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(double v) : type_(GgufValueType::f64) { append_scalar(v); }
GgufWriteValue::GgufWriteValue(bool v) : type_(GgufValueType::boolean) {
  append_scalar(static_cast<uint8_t>(v ? 1 : 0));
}
GgufWriteValue::GgufWriteValue(std::string_view s) : type_(GgufValueType::string) { put_string(bytes_, s); }

GgufWriteValue GgufWriteValue::array(GgufValueType element_type, std::span<const GgufWriteValue> items) {
  if (!is_known_value_type(element_type))
    misuse("unknown array element type " + std::to_string(static_cast<uint32_t>(element_type)));
  GgufWriteValue v;
  v.type_ = GgufValueType::array;
  v.element_type_ = element_type;
  v.count_ = items.size();
  v.nesting_ = 1;
  size_t n = 12;
  for (const GgufWriteValue& item : items) n += item.bytes_.size();
  v.bytes_.reserve(n);
  put<uint32_t>(v.bytes_, static_cast<uint32_t>(element_type));
  put<uint64_t>(v.bytes_, items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const GgufWriteValue& item = items[i];
    if (item.type_ != element_type)
      misuse("array of " + std::string(value_type_name(element_type)) + " given a " +
             std::string(value_type_name(item.type_)) + " as element " + std::to_string(i));
    // An array inside an array is its element type, count and elements, as at the top level.
    put_bytes(v.bytes_, item.bytes_.data(), item.bytes_.size());
    v.nesting_ = std::max(v.nesting_, item.nesting_ + 1);
  }
  return v;
}

GgufWriteValue GgufWriteValue::copy_of(const GgufValue& value) {
  const auto u = [&] { return std::get<uint64_t>(value.data); };
  const auto i = [&] { return std::get<int64_t>(value.data); };
  switch (value.type) {
    case GgufValueType::u8:
      return GgufWriteValue(static_cast<uint8_t>(u()));
    case GgufValueType::u16:
      return GgufWriteValue(static_cast<uint16_t>(u()));
    case GgufValueType::u32:
      return GgufWriteValue(static_cast<uint32_t>(u()));
    case GgufValueType::u64:
      return GgufWriteValue(u());
    case GgufValueType::i8:
      return GgufWriteValue(static_cast<int8_t>(i()));
    case GgufValueType::i16:
      return GgufWriteValue(static_cast<int16_t>(i()));
    case GgufValueType::i32:
      return GgufWriteValue(static_cast<int32_t>(i()));
    case GgufValueType::i64:
      return GgufWriteValue(i());
    case GgufValueType::f32:
      return GgufWriteValue(static_cast<float>(std::get<double>(value.data)));
    case GgufValueType::f64:
      return GgufWriteValue(std::get<double>(value.data));
    case GgufValueType::boolean:
      return GgufWriteValue(std::get<bool>(value.data));
    case GgufValueType::string:
      return GgufWriteValue(std::get<std::string_view>(value.data));
    case GgufValueType::array: {
      const GgufArray& a = *std::get<std::shared_ptr<const GgufArray>>(value.data);
      std::vector<GgufWriteValue> items;
      items.reserve(a.items.size());
      for (const GgufValue& item : a.items) items.push_back(copy_of(item));
      return array(a.element_type, items);
    }
  }
  misuse("cannot copy a value of unknown type " + std::to_string(static_cast<uint32_t>(value.type)));
}

// ---- GgufWriter ----

GgufWriter::GgufWriter(uint32_t version) : version_(version) {
  if (version != 2 && version != 3) misuse("cannot write GGUF version " + std::to_string(version));
}

void GgufWriter::set(std::string_view key, GgufWriteValue value) {
  if (key.empty()) misuse("metadata keys must not be empty");
  if (value.nesting() > GgufWriteValue::kMaxNesting)
    misuse("value of '" + std::string(key) + "' nests arrays " + std::to_string(value.nesting()) +
           " levels deep (at most " + std::to_string(GgufWriteValue::kMaxNesting) + ")");
  size_t alignment = alignment_;
  if (key == kAlignmentKey) {
    if (value.type() != GgufValueType::u32)
      misuse(std::string(kAlignmentKey) + " must be a u32, not " +
             std::string(value_type_name(value.type())));
    uint32_t a;
    std::memcpy(&a, value.encoded().data(), sizeof a);
    if (!std::has_single_bit(a))
      misuse(std::string(kAlignmentKey) + " must be a power of two, not " + std::to_string(a));
    alignment = a;
  }
  const auto it =
      std::find_if(metadata_.begin(), metadata_.end(), [&](const auto& kv) { return kv.first == key; });
  if (it != metadata_.end())
    it->second = std::move(value);
  else
    metadata_.emplace_back(std::string(key), std::move(value));
  alignment_ = alignment;
}

void GgufWriter::set_alignment(uint32_t alignment) { set(kAlignmentKey, alignment); }

bool GgufWriter::has(std::string_view key) const {
  return std::any_of(metadata_.begin(), metadata_.end(), [&](const auto& kv) { return kv.first == key; });
}

void GgufWriter::remove(std::string_view key) {
  std::erase_if(metadata_, [&](const auto& kv) { return kv.first == key; });
  if (key == kAlignmentKey) alignment_ = kDefaultAlignment;
}

void GgufWriter::add_tensor(std::string name, std::vector<int64_t> ne, kernels::TensorType type,
                            std::span<const std::byte> data) {
  add_tensor(std::move(name), std::move(ne), type, std::vector<std::byte>(data.begin(), data.end()));
}

void GgufWriter::add_tensor(std::string name, std::vector<int64_t> ne, kernels::TensorType type,
                            std::vector<std::byte>&& data) {
  if (name.empty()) misuse("tensor names must not be empty");
  if (name.size() > kMaxTensorNameLength)
    misuse("tensor name '" + name + "' is " + std::to_string(name.size()) + " bytes long (at most " +
           std::to_string(kMaxTensorNameLength) + ")");
  if (std::any_of(tensors_.begin(), tensors_.end(), [&](const Tensor& t) { return t.name == name; }))
    misuse("duplicate tensor name '" + name + "'");
  if (ne.empty() || ne.size() > kMaxDims)
    misuse("tensor '" + name + "' has " + std::to_string(ne.size()) + " dimensions (1 to 4 supported)");
  int64_t n_elements = 1;
  for (int64_t d : ne) {
    if (d <= 0 || d > std::numeric_limits<int64_t>::max() / n_elements)
      misuse("tensor '" + name + "' has shape " + shape_text(ne) +
             ": dimensions must be positive and their product must fit in int64");
    n_elements *= d;
  }
  const std::optional<kernels::TypeTraits> traits = kernels::type_traits(static_cast<uint32_t>(type));
  if (!traits)
    misuse("tensor '" + name + "' has unknown tensor type " + std::to_string(static_cast<uint32_t>(type)));
  if (ne[0] % traits->block_size != 0)
    misuse("tensor '" + name + "' has rows of " + std::to_string(ne[0]) + " elements, not a multiple of " +
           std::string(traits->name) + "'s block of " + std::to_string(traits->block_size));
  const uint64_t n_blocks = static_cast<uint64_t>(n_elements / traits->block_size);
  if (n_blocks > std::numeric_limits<uint64_t>::max() / traits->block_bytes)
    misuse("tensor '" + name + "' of shape " + shape_text(ne) + " is too large to address");
  const uint64_t expected = n_blocks * traits->block_bytes;
  if (data.size() != expected)
    misuse("tensor '" + name + "' has " + std::to_string(data.size()) + " bytes of data, but shape " +
           shape_text(ne) + " of " + std::string(traits->name) + " takes " + std::to_string(expected));
  tensors_.push_back(Tensor{std::move(name), std::move(ne), type, std::move(data)});
}

void GgufWriter::add_tensor_f32(std::string name, std::vector<int64_t> ne, std::span<const float> values) {
  add_tensor(std::move(name), std::move(ne), kernels::TensorType::f32, std::as_bytes(values));
}

std::vector<std::byte> GgufWriter::header() const {
  std::vector<std::byte> out;
  put_bytes(out, "GGUF", 4);
  put<uint32_t>(out, version_);
  put<uint64_t>(out, tensors_.size());
  put<uint64_t>(out, metadata_.size());
  for (const auto& [key, value] : metadata_) {
    put_string(out, key);
    put<uint32_t>(out, static_cast<uint32_t>(value.type()));
    put_bytes(out, value.encoded().data(), value.encoded().size());
  }
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    put_string(out, t.name);
    put<uint32_t>(out, static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) put<uint64_t>(out, static_cast<uint64_t>(d));
    put<uint32_t>(out, static_cast<uint32_t>(t.type));
    put<uint64_t>(out, offset);
    offset += padded(t.data.size(), alignment_);
  }
  out.resize(padded(out.size(), alignment_), std::byte{0});
  return out;
}

template <class Sink>
void GgufWriter::emit(Sink&& sink) const {
  const std::vector<std::byte> head = header();
  sink(std::span<const std::byte>(head));
  const std::vector<std::byte> zeros(alignment_, std::byte{0});
  for (const Tensor& t : tensors_) {
    sink(std::span<const std::byte>(t.data));
    const size_t pad = padded(t.data.size(), alignment_) - t.data.size();
    sink(std::span<const std::byte>(zeros).first(pad));
  }
}

std::vector<std::byte> GgufWriter::to_bytes() const {
  std::vector<std::byte> out;
  emit([&](std::span<const std::byte> piece) { put_bytes(out, piece.data(), piece.size()); });
  return out;
}

namespace {

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// The temporary file of write(): removed again unless committed by renaming it into place.
class TempFile {
 public:
  explicit TempFile(const std::string& target) {
    static std::atomic<uint64_t> counter{0};
    for (int attempt = 0;; ++attempt) {
      path_ = target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0) return;
      if (errno != EEXIST || attempt >= 100) throw_errno(errno, "cannot create " + path_);
    }
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write(std::span<const std::byte> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw_errno(errno, "cannot write " + path_);
      }
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
  }

  void commit(const std::string& target) {
    if (::fsync(fd_) != 0) throw_errno(errno, "cannot flush " + path_);
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) throw_errno(errno, "cannot close " + path_);
    if (::rename(path_.c_str(), target.c_str()) != 0)
      throw_errno(errno, "cannot rename " + path_ + " to " + target);
    committed_ = true;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Makes a rename in `dir` durable.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_errno(errno, "cannot open directory " + dir);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL) throw_errno(err, "cannot flush directory " + dir);
}

}  // namespace

void GgufWriter::write(const std::string& path) const {
  if (path.empty()) misuse("empty output path");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  TempFile tmp(path);
  emit([&](std::span<const std::byte> piece) { tmp.write(piece); });
  tmp.commit(path);
  sync_directory(dir);
}

}  // namespace ck
