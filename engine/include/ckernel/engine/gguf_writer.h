// Writer for GGUF v3 (or v2) files, laid out as llama.cpp writes and expects them: metadata in the order
// it was first set, tensor infos in the order tensors were added, and tensor data packed in that same
// order, each tensor starting at a multiple of the alignment (general.alignment, 32 when unset) and padded
// with zeros to the next multiple. Only valid files come out: misuse throws before anything is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/kernels/tensor_type.h"

namespace ck {

// Invalid use of GgufWriter or GgufWriteValue (the message says what and names the key or tensor).
class GgufWriterError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// One metadata value to be written, of any GGUF type, arrays of arrays included. Converts implicitly
// from each scalar type (the C++ type picks the GGUF type: uint8_t is u8, int32_t is i32, float is f32,
// double is f64, ...), from strings, and from std::vector of any of these (vectors of vectors make nested
// arrays). Arrays built from GgufWriteValues (e.g. arrays of arrays of differing element types) need
// array(), which is told the element type. The value is kept already encoded. Note: llama.cpp refuses
// files holding arrays of arrays; GgufFile reads them, up to kMaxNesting levels deep.
class GgufWriteValue {
 public:
  static constexpr int kMaxNesting = 8;  // as GgufFile accepts

  GgufWriteValue(uint8_t v);
  GgufWriteValue(int8_t v);
  GgufWriteValue(uint16_t v);
  GgufWriteValue(int16_t v);
  GgufWriteValue(uint32_t v);
  GgufWriteValue(int32_t v);
  GgufWriteValue(uint64_t v);
  GgufWriteValue(int64_t v);
  GgufWriteValue(float v);
  GgufWriteValue(double v);
  GgufWriteValue(bool v);
  GgufWriteValue(std::string_view s);
  GgufWriteValue(const std::string& s) : GgufWriteValue(std::string_view(s)) {}
  GgufWriteValue(const char* s) : GgufWriteValue(std::string_view(s)) {}  // not bool

  template <class T>
  GgufWriteValue(const std::vector<T>& items);

  // An array of `element_type`; every item must be of that type (GgufWriterError otherwise).
  static GgufWriteValue array(GgufValueType element_type, std::span<const GgufWriteValue> items);
  // A deep copy of a value read from a file (e.g. to carry metadata over into a new file).
  static GgufWriteValue copy_of(const GgufValue& value);

  GgufValueType type() const { return type_; }
  // Arrays only: the element type and count.
  GgufValueType element_type() const { return element_type_; }
  uint64_t count() const { return count_; }
  // 0 for scalars and strings, 1 for an array of them, 2 for an array of arrays of them, ...
  int nesting() const { return nesting_; }
  // The value as stored in the file after its type field (for arrays: element type, count, elements).
  std::span<const std::byte> encoded() const { return bytes_; }

 private:
  GgufWriteValue() = default;
  template <class T>
  void append_scalar(T v);
  GgufValueType type_ = GgufValueType::u8;
  GgufValueType element_type_ = GgufValueType::u8;
  uint64_t count_ = 0;
  int nesting_ = 0;
  std::vector<std::byte> bytes_;
};

class GgufWriter {
 public:
  static constexpr uint32_t kDefaultVersion = 3;
  static constexpr size_t kDefaultAlignment = 32;
  static constexpr size_t kMaxTensorNameLength = 63;  // llama.cpp rejects longer names (GGML_MAX_NAME 64)

  // version: 2 or 3 (they are laid out alike; 3 is what current tools write).
  explicit GgufWriter(uint32_t version = kDefaultVersion);

  // Sets a metadata key; a key set again keeps its place and takes the new value. general.alignment must
  // be a u32 power of two; it also sets the data alignment. Keys must be non-empty, arrays nested at most
  // GgufWriteValue::kMaxNesting levels.
  void set(std::string_view key, GgufWriteValue value);
  // Shorthand for set("general.alignment", uint32_t{alignment}).
  void set_alignment(uint32_t alignment);
  bool has(std::string_view key) const;
  // Removes a key if present (general.alignment: back to the default of 32).
  void remove(std::string_view key);

  // Adds a tensor with dimensions `ne` (fastest-varying first, 1 to 4 of them, each positive; ne[0] a
  // multiple of the type's block size) and exactly the bytes that shape takes in that type. The data is
  // copied. Names must be unique, non-empty and at most kMaxTensorNameLength bytes.
  void add_tensor(std::string name, std::vector<int64_t> ne, kernels::TensorType type,
                  std::span<const std::byte> data);
  void add_tensor(std::string name, std::vector<int64_t> ne, kernels::TensorType type,
                  std::vector<std::byte>&& data);
  // An F32 tensor from floats.
  void add_tensor_f32(std::string name, std::vector<int64_t> ne, std::span<const float> values);

  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  size_t tensor_count() const { return tensors_.size(); }
  size_t metadata_count() const { return metadata_.size(); }

  // The whole file image.
  std::vector<std::byte> to_bytes() const;
  // Writes the file: to a new temporary file in the same directory, flushed to disk, then renamed over
  // `path`, so that `path` is either untouched or complete. std::system_error on I/O failure.
  void write(const std::string& path) const;

 private:
  struct Tensor {
    std::string name;
    std::vector<int64_t> ne;
    kernels::TensorType type;
    std::vector<std::byte> data;
  };
  // Emits the file through `sink` in pieces (header, then each tensor's data and padding).
  template <class Sink>
  void emit(Sink&& sink) const;
  std::vector<std::byte> header() const;  // up to and including the padding before the data section

  uint32_t version_;
  size_t alignment_ = kDefaultAlignment;
  std::vector<std::pair<std::string, GgufWriteValue>> metadata_;
  std::vector<Tensor> tensors_;
};

// ---- template implementation ----

template <class T>
GgufWriteValue::GgufWriteValue(const std::vector<T>& items) {
  using U = std::remove_cvref_t<T>;
  static_assert(std::is_constructible_v<GgufWriteValue, const U&> && !std::is_same_v<U, GgufWriteValue>,
                "arrays of GgufWriteValue need GgufWriteValue::array(element_type, items)");
  std::vector<GgufWriteValue> converted;
  converted.reserve(items.size());
  for (const auto& item : items) converted.emplace_back(static_cast<const U&>(item));
  GgufValueType element_type;
  if (!converted.empty()) {
    element_type = converted.front().type();
  } else if constexpr (std::is_same_v<U, std::string> || std::is_same_v<U, std::string_view> ||
                       std::is_same_v<U, const char*>) {
    element_type = GgufValueType::string;
  } else if constexpr (std::is_same_v<U, bool>) {
    element_type = GgufValueType::boolean;
  } else if constexpr (std::is_arithmetic_v<U>) {
    element_type = GgufWriteValue(U{}).type();
  } else {
    element_type = GgufValueType::array;  // vectors of vectors
  }
  *this = array(element_type, converted);
}

}  // namespace ck
