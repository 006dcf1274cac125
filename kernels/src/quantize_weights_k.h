// The K-quant weight quantizers (quantize_weights_k.cpp), for quantize_weights.cpp's dispatch. Each
// converts one super-block of 256 values into one block.
#pragma once

#include "blocks.h"

namespace ck::kernels {

blocks::BlockQ4_K quantize_block_q4_k(const float* x);
blocks::BlockQ5_K quantize_block_q5_k(const float* x);
blocks::BlockQ6_K quantize_block_q6_k(const float* x);

}  // namespace ck::kernels
