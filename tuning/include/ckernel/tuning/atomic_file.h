// Replaces a file's whole content so that a crash at any moment leaves either the old or the new file,
// never a torn one: a temporary file beside it, fsync, rename, fsync of the directory. ckd's state file
// and its huge page ledger, and the kernel wisdom cktune measures, all are written by this one writer.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace ck::tuning {

// Creates the directory if needed; the file gets `mode` whatever the umask (0600: only its owner reads
// it; kernel wisdom is 0644, read by the workers' user). Throws std::system_error naming the call and
// the path.
void write_file_atomically(const std::filesystem::path& file, std::string_view content, mode_t mode = 0600);

}  // namespace ck::tuning
