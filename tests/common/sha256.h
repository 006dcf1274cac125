// SHA-256 (FIPS 180-4), for comparing large test outputs with checksums recorded in fixtures.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace ck::test {

class Sha256 {
 public:
  Sha256();
  void update(std::span<const std::byte> data);
  void update(const void* data, size_t size) { update({static_cast<const std::byte*>(data), size}); }
  // The digest of everything updated so far; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish();
  // finish() as 64 lowercase hex digits.
  std::string finish_hex();

 private:
  void compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// Lowercase hex digest of one buffer.
std::string sha256_hex(std::span<const std::byte> data);

}  // namespace ck::test
