// Building a quantized GGUF model tensor by tensor, shared by requantization and synthesis: each weight
// goes in the type its file type gives it, with a progress line on stderr.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ckernel/engine/gguf_writer.h"
#include "file_type.h"

namespace ck::quantize {

class ModelWriter {
 public:
  // `n_tensors`: how many will be added (for the progress count).
  ModelWriter(FileType file_type, int64_t n_layer, bool tied_output, size_t n_tensors);

  GgufWriter& gguf() { return writer_; }
  // Converts `values` (shape `ne`, fastest-varying first) to the tensor's type and adds it.
  void add(const std::string& name, const std::vector<int64_t>& ne, std::span<const float> values);
  // Sets general.file_type and general.quantization_version, then writes atomically.
  void write(const std::string& path);

 private:
  FileType file_type_;
  int64_t n_layer_;
  bool tied_output_;
  size_t n_tensors_;
  size_t added_ = 0;
  GgufWriter writer_;
};

}  // namespace ck::quantize
