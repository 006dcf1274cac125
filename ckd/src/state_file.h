// What ckd must remember across restarts: the tenants and the models loaded in them. Written atomically
// (temporary file, fsync, rename, fsync of the directory) so a crash at any moment leaves either the old
// or the new state on disk, never a torn file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ck::daemon {

struct TenantRecord {
  std::string name;
  std::string cpus;  // cpulists as given, normalised
  std::string mems;
  std::uint64_t memory_limit_bytes = 0;
  friend bool operator==(const TenantRecord&, const TenantRecord&) = default;
};

struct ModelRecord {
  std::string tenant;
  std::string name;
  std::string path;
  unsigned threads = 0;
  unsigned context = 0;  // 0: the default
  // Who loaded it: its file is opened with that user's rights, on every restore too. Absent in state
  // files of older versions, which only root could have written: 0.
  unsigned owner_uid = 0;
  friend bool operator==(const ModelRecord&, const ModelRecord&) = default;
};

struct DaemonState {
  std::vector<TenantRecord> tenants;
  std::vector<ModelRecord> models;
  friend bool operator==(const DaemonState&, const DaemonState&) = default;
};

std::string serialize_state(const DaemonState& state);
// Throws ck::JsonError naming what is wrong.
DaemonState parse_state(std::string_view text);

// Writes the state to file atomically; throws std::system_error naming the call and path.
void save_state(const std::filesystem::path& file, const DaemonState& state);
// The saved state; an empty one when the file does not exist. Throws ck::JsonError (with the path) when it
// is unreadable or malformed.
DaemonState load_state(const std::filesystem::path& file);

}  // namespace ck::daemon
