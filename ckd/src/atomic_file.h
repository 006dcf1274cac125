// Replaces a file's whole content so that a crash at any moment leaves either the old or the new file,
// never a torn one: a temporary file beside it, fsync, rename, fsync of the directory. ckd's state file
// and its huge page ledger both are written this way.
#pragma once

#include <filesystem>
#include <string_view>

namespace ck::daemon {

// Creates the directory if needed; the file gets mode 0600. Throws std::system_error naming the call
// and the path.
void write_file_atomically(const std::filesystem::path& file, std::string_view content);

}  // namespace ck::daemon
