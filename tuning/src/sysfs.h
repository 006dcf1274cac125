// Reading and writing the small text files of sysfs, procfs and cgroupfs, with errors that name the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace ck::tuning::detail {

// A path below the sysfs or procfs root in force (host_paths.h): sys_path("devices/system/node") is
// /sys/devices/system/node on the real host. Every path the library reads or writes itself starts here.
std::filesystem::path sys_path(const std::filesystem::path& relative);
std::filesystem::path proc_path(const std::filesystem::path& relative);

// The whole file. Throws TuningError("open"/"read", path, errno text).
std::string read_text(const std::filesystem::path& path);

// The file's content, or nothing when it cannot be read (absent on this kernel, say).
std::optional<std::string> try_read_text(const std::filesystem::path& path);

// The file's first line without the newline.
std::string read_line(const std::filesystem::path& path);

// A decimal number, possibly followed by white space. Throws when the file is not a number.
std::uint64_t read_u64(const std::filesystem::path& path);

// One write(2) of the whole text, as the kernel expects for control files (a partial write would be
// a different value). Throws TuningError("write", path, errno text).
void write_text(const std::filesystem::path& path, const std::string& text);

}  // namespace ck::tuning::detail
