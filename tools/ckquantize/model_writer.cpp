#include "model_writer.h"

#include <cstdio>

#include "ckernel/kernels/quantize_weights.h"

namespace ck::quantize {

// The version of the quantized block layouts that llama.cpp records (GGML_QNT_VERSION).
constexpr uint32_t kQuantizationVersion = 2;

ModelWriter::ModelWriter(FileType file_type, int64_t n_layer, bool tied_output, size_t n_tensors)
    : file_type_(file_type), n_layer_(n_layer), tied_output_(tied_output), n_tensors_(n_tensors) {}

void ModelWriter::add(const std::string& name, const std::vector<int64_t>& ne,
                      std::span<const float> values) {
  const kernels::TensorType type = is_quantized_weight(name, ne.size())
                                       ? choose_tensor_type(file_type_, name, ne[0], n_layer_, tied_output_)
                                       : kernels::TensorType::f32;
  std::vector<std::byte> bytes(kernels::row_bytes(type, static_cast<int64_t>(values.size())));
  kernels::quantize_weights(type, values, bytes);
  ++added_;
  std::fprintf(stderr, "[%3zu/%3zu] %-28s %-5s %zu values\n", added_, n_tensors_, name.c_str(),
               std::string(kernels::type_name(type)).c_str(), values.size());
  writer_.add_tensor(name, ne, type, std::move(bytes));
}

void ModelWriter::write(const std::string& path) {
  writer_.set("general.file_type", file_type_.llama_file_type);
  writer_.set("general.quantization_version", kQuantizationVersion);
  std::fprintf(stderr, "writing %s\n", path.c_str());
  writer_.write(path);
}

}  // namespace ck::quantize
