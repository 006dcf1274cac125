// `ckquantize IN.gguf OUT.gguf TYPE`: every weight of a model dequantized and converted to the types the
// file type gives it; metadata carried over.
#pragma once

#include <string>

#include "file_type.h"

namespace ck::quantize {

// Throws GgufError for an unreadable input, std::runtime_error naming the tensor whose type cannot be
// dequantized.
void requantize(const std::string& in_path, const std::string& out_path, const FileType& file_type);

}  // namespace ck::quantize
