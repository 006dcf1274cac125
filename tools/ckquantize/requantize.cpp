#include "requantize.h"

#include <stdexcept>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/kernels/type_kernels.h"
#include "model_writer.h"

namespace ck::quantize {

void requantize(const std::string& in_path, const std::string& out_path, const FileType& file_type) {
  const auto in = GgufFile::open(in_path);
  const std::string architecture(in->require_string("general.architecture"));
  const auto n_layer = static_cast<int64_t>(in->require_uint(architecture + ".block_count"));
  const bool tied_output = in->find_tensor("output.weight") == nullptr;
  ModelWriter out(file_type, n_layer, tied_output, in->tensors().size());
  for (const auto& [key, value] : in->metadata()) out.gguf().set(key, GgufWriteValue::copy_of(value));
  for (const GgufTensorInfo& t : in->tensors()) {
    if (!kernels::traits(t.type).computable)
      throw std::runtime_error(in_path + ": tensor " + std::string(t.name) + " is " +
                               std::string(kernels::type_name(t.type)) + ", which ckquantize cannot read");
    std::vector<float> values(static_cast<size_t>(t.n_elements()));
    kernels::kernels_for(t.type).dequantize_row(t.data, values.data(), t.n_elements());
    out.add(std::string(t.name), t.ne, values);
  }
  out.write(out_path);
}

}  // namespace ck::quantize
