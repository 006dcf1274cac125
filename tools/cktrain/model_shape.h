// The shape options of a new model (cktrain init, cktrain bench): the engine's ModelShape on the command
// line.
#pragma once

#include <string>

#include "ckernel/engine/model_shape.h"
#include "command_line.h"

namespace ck::cktrain {

// Adds --arch --embd --layers --heads --kv-heads --ffn --context --rope-base --tied, defaulting to `shape`.
void add_shape_options(po::options_description& options, ModelShape& shape);

// model_config(), with what does not fit reported as a usage error.
ModelConfig config_of(const ModelShape& shape, int64_t n_vocab, const std::string& name);

}  // namespace ck::cktrain
