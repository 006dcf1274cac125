// A set of CPU or NUMA node numbers, read and written in the kernel's list format ("0-3,8,10-11") that
// sysfs, cpuset.cpus and cpuset.mems use.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ck::tuning {

class IdList {
 public:
  IdList() = default;
  IdList(std::initializer_list<int> ids);
  explicit IdList(std::vector<int> ids);

  // Parses "0-3,8" as the kernel writes it: one trailing newline and an empty text (the empty set) are
  // accepted, blanks and empty items are not. Throws TuningError naming the text when it is malformed.
  static IdList parse(std::string_view text);

  // Kernel list format, ranges collapsed: {0,1,2,3,8} -> "0-3,8"; the empty set -> "".
  std::string to_string() const;

  const std::vector<int>& ids() const noexcept { return ids_; }
  bool empty() const noexcept { return ids_.empty(); }
  std::size_t size() const noexcept { return ids_.size(); }
  bool contains(int id) const;
  bool contains_all(const IdList& other) const;

  IdList intersection(const IdList& other) const;
  IdList difference(const IdList& other) const;  // the ids of *this not in other
  IdList union_with(const IdList& other) const;

  friend bool operator==(const IdList&, const IdList&) = default;

 private:
  std::vector<int> ids_;  // sorted, unique, non-negative
};

}  // namespace ck::tuning
