// Numbers as people read them in ckctl's text output.
#pragma once

#include <cstdint>
#include <string>

namespace ck::ckctl {

// "512 B", "20.4 MiB", "4.0 GiB".
std::string format_bytes(uint64_t bytes);
// "3 tokens in 0.012 s (250.0 tok/s)".
std::string format_token_rate(uint64_t tokens, double seconds);

}  // namespace ck::ckctl
