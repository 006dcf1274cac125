#include "ckernel/tuning/id_list.h"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "ckernel/tuning/error.h"

namespace ck::tuning {
namespace {

// Ids beyond this are certainly a typo or garbage; it also bounds the memory a range can expand to.
constexpr int kLargestId = 1 << 20;

int parse_id(std::string_view token, std::string_view whole) {
  int value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size() || value < 0 || value > kLargestId) {
    throw TuningError("IdList::parse", "",
                      "malformed id '" + std::string(token) + "' in list '" + std::string(whole) + "'");
  }
  return value;
}

void normalize(std::vector<int>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

}  // namespace

IdList::IdList(std::initializer_list<int> ids) : ids_(ids) { normalize(ids_); }

IdList::IdList(std::vector<int> ids) : ids_(std::move(ids)) { normalize(ids_); }

IdList IdList::parse(std::string_view text) {
  // What the kernel writes ends with one newline; nothing else is tolerated around or inside the list, so
  // that a list typed as " 1" or "1," is refused rather than guessed at.
  std::string_view whole = text;
  if (whole.ends_with('\n')) whole.remove_suffix(1);
  // Ranges first, merged, then expanded: expanding each range as it came let "0-1048576,0-1048576,..." ask
  // for 4 MiB per 10 bytes of a CreateTenant call before the duplicates went.
  std::vector<std::pair<int, int>> ranges;
  if (whole.empty()) return IdList();
  for (std::string_view rest = whole;;) {
    const auto comma = rest.find(',');
    // An empty item (",1", "1,,2", "1,") fails in parse_id.
    const std::string_view item = rest.substr(0, comma);
    const bool last_item = comma == std::string_view::npos;
    rest = last_item ? std::string_view{} : rest.substr(comma + 1);
    const auto dash = item.find('-');
    if (dash == std::string_view::npos) {
      const int id = parse_id(item, whole);
      ranges.emplace_back(id, id);
    } else {
      const int first = parse_id(item.substr(0, dash), whole);
      const int last = parse_id(item.substr(dash + 1), whole);
      if (last < first) {
        throw TuningError(
            "IdList::parse", "",
            "descending range '" + std::string(item) + "' in list '" + std::string(whole) + "'");
      }
      ranges.emplace_back(first, last);
    }
    if (last_item) break;
  }
  std::sort(ranges.begin(), ranges.end());
  std::vector<int> ids;  // each id once: at most kLargestId + 1 of them
  int next = 0;          // the first id not expanded yet
  for (const auto& [first, last] : ranges) {
    for (int id = std::max(first, next); id <= last; ++id) ids.push_back(id);
    next = std::max(next, last + 1);
  }
  return IdList(std::move(ids));
}

std::string IdList::to_string() const {
  std::string text;
  for (std::size_t i = 0; i < ids_.size();) {
    std::size_t j = i;
    while (j + 1 < ids_.size() && ids_[j + 1] == ids_[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += std::to_string(ids_[i]);
    if (j > i) text += '-' + std::to_string(ids_[j]);
    i = j + 1;
  }
  return text;
}

bool IdList::contains(int id) const { return std::binary_search(ids_.begin(), ids_.end(), id); }

bool IdList::contains_all(const IdList& other) const {
  return std::includes(ids_.begin(), ids_.end(), other.ids_.begin(), other.ids_.end());
}

IdList IdList::intersection(const IdList& other) const {
  std::vector<int> out;
  std::set_intersection(ids_.begin(), ids_.end(), other.ids_.begin(), other.ids_.end(),
                        std::back_inserter(out));
  return IdList(std::move(out));
}

IdList IdList::difference(const IdList& other) const {
  std::vector<int> out;
  std::set_difference(ids_.begin(), ids_.end(), other.ids_.begin(), other.ids_.end(),
                      std::back_inserter(out));
  return IdList(std::move(out));
}

IdList IdList::union_with(const IdList& other) const {
  std::vector<int> out;
  std::set_union(ids_.begin(), ids_.end(), other.ids_.begin(), other.ids_.end(), std::back_inserter(out));
  return IdList(std::move(out));
}

}  // namespace ck::tuning
