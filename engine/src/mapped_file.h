// A whole file mapped read-only; unmapped and closed when destroyed.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace ck {

class MappedFile {
 public:
  // Throws std::system_error naming the path and the failing call.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ck
