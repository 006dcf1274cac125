// Between isa_level.cpp and kernel_tuning.cpp: how the process's level is decided, so that
// set_kernel_tuning can tell whether a new tuning would change a level already decided.
#pragma once

#include <optional>

#include "ckernel/kernels/isa_level.h"

namespace ck::kernels::detail {

// The level CK_ISA asks for (throws as active_isa_level does when it is bad), else `preferred` clamped to
// what the CPU supports, else the best the CPU supports.
IsaLevel decide_isa_level(std::optional<IsaLevel> preferred);

// Whether active_isa_level() has decided already.
bool isa_level_decided();

}  // namespace ck::kernels::detail
