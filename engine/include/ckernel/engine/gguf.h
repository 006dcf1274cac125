// Reader for GGUF v2/v3 files over a read-only memory mapping. Everything in the file is validated when
// it is opened (bounds, counts, types, alignment, overlaps), so later accessors never read outside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ckernel/engine/model_image.h"
#include "ckernel/kernels/tensor_type.h"

namespace ck {

// A malformed or unusable file. what() names the file, the problem and, where it has one, the offset.
class GgufError : public std::runtime_error {
 public:
  GgufError(const std::string& what, std::optional<uint64_t> offset)
      : std::runtime_error(what), offset_(offset) {}
  std::optional<uint64_t> offset() const { return offset_; }

 private:
  std::optional<uint64_t> offset_;
};

enum class GgufValueType : uint32_t {
  u8 = 0,
  i8 = 1,
  u16 = 2,
  i16 = 3,
  u32 = 4,
  i32 = 5,
  f32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  u64 = 10,
  i64 = 11,
  f64 = 12,
};
std::string_view value_type_name(GgufValueType type);

struct GgufArray;

// One metadata value. Integers of every width are widened (signed to int64_t, unsigned to uint64_t),
// floats to double; `type` keeps the stored type. Strings point into the mapping.
struct GgufValue {
  GgufValueType type;
  std::variant<uint64_t, int64_t, double, bool, std::string_view, std::shared_ptr<const GgufArray>> data;
};

struct GgufArray {
  GgufValueType element_type;
  std::vector<GgufValue> items;
};

struct GgufTensorInfo {
  std::string_view name;
  std::vector<int64_t> ne;  // dimensions, fastest-varying first (ne[0] is the row length)
  kernels::TensorType type;
  uint64_t offset;  // from the start of the data section
  size_t n_bytes;
  const std::byte* data;  // inside the mapping

  int64_t n_elements() const;
};

class GgufFile {
 public:
  // Maps and validates the file; throws GgufError.
  static std::unique_ptr<GgufFile> open(const std::string& path);
  // Validates a file image; keeps image.owner (and so the bytes) alive as long as the GgufFile.
  static std::unique_ptr<GgufFile> open(ModelImage image);
  // Validates a file image already in memory (used by the fuzzer and tests); `bytes` must outlive it.
  static std::unique_ptr<GgufFile> parse(std::span<const std::byte> bytes, std::string name);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return name_; }
  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  std::span<const std::byte> bytes() const { return bytes_; }
  uint64_t data_offset() const { return data_offset_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string_view, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;

  // Typed look-ups: nullopt when the key is absent; GgufError when present with an unsuitable type.
  std::optional<uint64_t> get_uint(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;  // accepts integer values too
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string_view> get_string(std::string_view key) const;
  const GgufArray* get_array(std::string_view key) const;  // nullptr when absent
  // Arrays of one element type; GgufError when the elements are of another kind.
  std::vector<std::string_view> get_string_array(std::string_view key) const;
  std::vector<float> get_float_array(std::string_view key) const;
  std::vector<int64_t> get_int_array(std::string_view key) const;

  // As above, but a missing key is a GgufError naming it.
  uint64_t require_uint(std::string_view key) const;
  std::string_view require_string(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Raises a GgufError about this file (prefixes the file name).
  [[noreturn]] void fail(const std::string& problem, std::optional<uint64_t> offset = std::nullopt) const;

 private:
  GgufFile() = default;
  void parse_contents();

  std::string name_;
  std::span<const std::byte> bytes_;
  std::shared_ptr<const void> owner_;  // null when parsing caller-owned bytes
  uint32_t version_ = 0;
  size_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string_view, GgufValue>> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> metadata_index_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
};

}  // namespace ck
