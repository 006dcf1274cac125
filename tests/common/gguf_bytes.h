// A byte builder for hand-made GGUF images, hostile ones included: every field is appended explicitly, so
// a test can write any count, length, type id or offset it likes. (GgufWriter only makes valid files.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace ck::test {

// GGUF metadata value type ids (as GgufValueType, spelled out so hostile ids are easy to write).
enum GgufTypeId : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

class GgufBytes {
 public:
  size_t size() const { return bytes_.size(); }  // also: the offset of whatever is appended next
  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::span<const std::byte> span() const { return bytes_; }

  GgufBytes& raw(std::string_view s) {
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    bytes_.insert(bytes_.end(), p, p + s.size());
    return *this;
  }
  // A literal, embedded NULs included.
  template <size_t N>
  GgufBytes& raw(const char (&s)[N]) {
    return raw(std::string_view(s, N - 1));
  }
  GgufBytes& zeros(size_t n) {
    bytes_.insert(bytes_.end(), n, std::byte{0});
    return *this;
  }
  GgufBytes& pad_to(size_t alignment) { return zeros((alignment - bytes_.size() % alignment) % alignment); }

  template <class T>
  GgufBytes& scalar(T v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
    return *this;
  }
  GgufBytes& u8(uint8_t v) { return scalar(v); }
  GgufBytes& u32(uint32_t v) { return scalar(v); }
  GgufBytes& u64(uint64_t v) { return scalar(v); }
  GgufBytes& i32(int32_t v) { return scalar(v); }
  GgufBytes& f32(float v) { return scalar(v); }

  // A GGUF string: u64 length, then the bytes.
  GgufBytes& str(std::string_view s) { return u64(s.size()).raw(s); }

  // Magic, version, tensor count, metadata count.
  GgufBytes& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return raw("GGUF").u32(version).u64(n_tensors).u64(n_kv);
  }

  // A key and its type id; the caller appends the value.
  GgufBytes& key(std::string_view k, uint32_t type) { return str(k).u32(type); }
  GgufBytes& kv_u32(std::string_view k, uint32_t v) { return key(k, kU32).u32(v); }
  GgufBytes& kv_str(std::string_view k, std::string_view v) { return key(k, kString).str(v); }

  // A tensor info: name, dimension count, dimensions, type id, data offset.
  GgufBytes& tensor(std::string_view name, std::initializer_list<uint64_t> ne, uint32_t type_id,
                    uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) u64(d);
    return u32(type_id).u64(offset);
  }

 private:
  std::vector<std::byte> bytes_;
};

}  // namespace ck::test
