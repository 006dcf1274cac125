#include "ckernel/engine/model_image.h"

#include <system_error>

#include "ckernel/engine/gguf.h"
#include "mapped_file.h"

namespace ck {

ModelImage map_model_file(const std::string& path) {
  std::shared_ptr<const MappedFile> mapping;
  try {
    mapping = std::make_shared<const MappedFile>(path);
  } catch (const std::system_error& e) {
    throw GgufError(e.what(), std::nullopt);
  }
  const std::span<const std::byte> bytes = mapping->bytes();
  return ModelImage{bytes, std::move(mapping), path, "file mapping (page cache)"};
}

}  // namespace ck
