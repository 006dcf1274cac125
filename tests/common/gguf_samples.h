// Metadata samples that tests and fuzz seeds put into GGUF files.
#pragma once

#include <cstdint>

#include "ckernel/engine/gguf_writer.h"

namespace ck::test {

// general.architecture plus one key of every scalar value type, named after the type.
inline void set_every_scalar_type(GgufWriter& w) {
  w.set("general.architecture", "llama");
  w.set("u8", uint8_t{1});
  w.set("i8", int8_t{-1});
  w.set("u16", uint16_t{2});
  w.set("i16", int16_t{-2});
  w.set("u32", uint32_t{3});
  w.set("i32", int32_t{-3});
  w.set("u64", uint64_t{4});
  w.set("i64", int64_t{-4});
  w.set("f32", 0.5f);
  w.set("f64", 0.25);
  w.set("bool", true);
}

}  // namespace ck::test
