// The small set of libcgroup operations the tenant code needs, with RAII for libcgroup's structures
// and errors that name the cgroup file and the errno behind libcgroup's own codes.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

struct cgroup;

namespace ck::tuning::detail {

// cgroup_init once per process (libcgroup reads the mount table there).
void ensure_libcgroup_initialized();

// cgroup_strerror, plus the errno when libcgroup reports ECGOTHER ("... : Permission denied").
std::string libcgroup_error_text(int code);

struct CgroupRelease {
  void operator()(cgroup* group) const noexcept;
};
using CgroupHandle = std::unique_ptr<cgroup, CgroupRelease>;

// A libcgroup description of group `name` (relative to each hierarchy's root) in those controllers.
CgroupHandle describe_cgroup(const std::string& name, const std::vector<std::string>& controllers);

// mkdir of the group in every controller's hierarchy (existing directories are fine).
void create_cgroup(const std::string& name, const std::vector<std::string>& controllers);

// rmdir of the group in every controller's hierarchy; tasks still inside go to the parent group.
void delete_cgroup(const std::string& name, const std::vector<std::string>& controllers);

// One control file, written through libcgroup; errors read
// "cgroup_modify_cgroup /sys/fs/cgroup/cpuset/ckernel/a/cpuset.cpus = 64: Invalid argument".
void write_cgroup_value(const std::string& name, const std::string& controller, const std::string& file,
                        const std::string& value);

// One control file's whole content.
std::string read_cgroup_value(const std::string& name, const std::string& controller,
                              const std::string& file);

// The processes of the group in one controller's hierarchy (cgroup.procs).
std::vector<pid_t> cgroup_processes(const std::string& name, const std::string& controller);

// Moves pid with all its threads into group `name` of those controllers.
void move_process(pid_t pid, const std::string& name, const std::vector<std::string>& controllers);

// The group the process is in, in one controller's hierarchy ("/" for the root).
std::string current_cgroup(pid_t pid, const std::string& controller);

// <mount point of the controller>/<name>, for messages and existence checks.
std::string cgroup_directory(const std::string& name, const std::string& controller);

}  // namespace ck::tuning::detail
