#include "meminfo.h"

#include <charconv>

#include "ckernel/tuning/units.h"

namespace ck::tuning::detail {
namespace {

std::string_view skip_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

// "Node 1 MemTotal: ..." -> "MemTotal: ...".
std::string_view without_node_prefix(std::string_view line) {
  if (!line.starts_with("Node ")) return line;
  line.remove_prefix(5);
  while (!line.empty() && line.front() >= '0' && line.front() <= '9') line.remove_prefix(1);
  return skip_blanks(line);
}

}  // namespace

std::optional<std::uint64_t> meminfo_bytes(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    const auto newline = text.find('\n');
    std::string_view line = without_node_prefix(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (!line.starts_with(key) || line.substr(key.size(), 1) != ":") continue;
    const std::string_view value = skip_blanks(line.substr(key.size() + 1));
    std::uint64_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end == value.data()) return std::nullopt;
    // Every size line is in kB (KiB); HugePages_Total and the like are counts without a unit.
    return std::string_view(end, value.data() + value.size()).find("kB") != std::string_view::npos
               ? number * kKiB
               : number;
  }
  return std::nullopt;
}

}  // namespace ck::tuning::detail
