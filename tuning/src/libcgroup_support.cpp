#include "libcgroup_support.h"

#include <libcgroup.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "ckernel/tuning/error.h"

namespace ck::tuning::detail {
namespace {

// libcgroup keeps its last errno per thread, so the text must be taken right after the failed call.
[[noreturn]] void throw_libcgroup(const std::string& call, const std::string& path, int code) {
  const int error_number = code == ECGOTHER ? cgroup_get_last_errno() : 0;
  throw TuningError(call, path, libcgroup_error_text(code), error_number);
}

struct MallocRelease {
  void operator()(void* memory) const noexcept { std::free(memory); }
};

std::vector<const char*> null_terminated(const std::vector<std::string>& controllers) {
  std::vector<const char*> names;
  for (const std::string& controller : controllers) names.push_back(controller.c_str());
  names.push_back(nullptr);
  return names;
}

}  // namespace

void CgroupRelease::operator()(cgroup* group) const noexcept { cgroup_free(&group); }

void ensure_libcgroup_initialized() {
  static std::once_flag once;
  static int result = 0;
  std::call_once(once, [] { result = cgroup_init(); });
  if (result != 0) throw_libcgroup("cgroup_init", "", result);
}

std::string libcgroup_error_text(int code) {
  if (code == ECGOTHER) return errno_text(cgroup_get_last_errno());
  return cgroup_strerror(code);
}

CgroupHandle describe_cgroup(const std::string& name, const std::vector<std::string>& controllers) {
  ensure_libcgroup_initialized();
  CgroupHandle group(cgroup_new_cgroup(name.c_str()));
  if (!group) throw TuningError("cgroup_new_cgroup", name, "out of memory");
  for (const std::string& controller : controllers) {
    if (cgroup_add_controller(group.get(), controller.c_str()) == nullptr) {
      throw TuningError("cgroup_add_controller", name, "cannot add controller " + controller);
    }
  }
  return group;
}

void create_cgroup(const std::string& name, const std::vector<std::string>& controllers) {
  const CgroupHandle group = describe_cgroup(name, controllers);
  // ignore_ownership: the groups stay owned by root, which is who ckd runs as.
  if (const int rc = cgroup_create_cgroup(group.get(), /*ignore_ownership=*/1); rc != 0) {
    throw_libcgroup("cgroup_create_cgroup", cgroup_directory(name, controllers.front()), rc);
  }
}

void delete_cgroup(const std::string& name, const std::vector<std::string>& controllers) {
  const CgroupHandle group = describe_cgroup(name, controllers);
  if (const int rc = cgroup_delete_cgroup_ext(group.get(), 0); rc != 0) {
    throw_libcgroup("cgroup_delete_cgroup_ext", cgroup_directory(name, controllers.front()), rc);
  }
}

void write_cgroup_value(const std::string& name, const std::string& controller, const std::string& file,
                        const std::string& value) {
  const CgroupHandle group = describe_cgroup(name, {controller});
  cgroup_controller* handle = cgroup_get_controller(group.get(), controller.c_str());
  if (const int rc = cgroup_add_value_string(handle, file.c_str(), value.c_str()); rc != 0) {
    throw_libcgroup("cgroup_add_value_string", file, rc);
  }
  if (const int rc = cgroup_modify_cgroup(group.get()); rc != 0) {
    throw_libcgroup("cgroup_modify_cgroup", cgroup_directory(name, controller) + "/" + file + " = " + value,
                    rc);
  }
}

std::string read_cgroup_value(const std::string& name, const std::string& controller,
                              const std::string& file) {
  ensure_libcgroup_initialized();
  std::string file_name = file;  // libcgroup takes a non-const char*
  char buffer[4096];
  void* handle = nullptr;
  int rc = cgroup_read_value_begin(controller.c_str(), name.c_str(), file_name.data(), &handle, buffer,
                                   sizeof buffer);
  std::string content;
  while (rc == 0) {
    content += buffer;
    rc = cgroup_read_value_next(&handle, buffer, sizeof buffer);
  }
  if (handle != nullptr) cgroup_read_value_end(&handle);
  if (rc != ECGEOF) {
    throw_libcgroup("cgroup_read_value_begin", cgroup_directory(name, controller) + "/" + file, rc);
  }
  return content;
}

std::vector<pid_t> cgroup_processes(const std::string& name, const std::string& controller) {
  ensure_libcgroup_initialized();
  std::string group_name = name;
  std::string controller_name = controller;
  pid_t* raw = nullptr;
  int count = 0;
  const int rc = cgroup_get_procs(group_name.data(), controller_name.data(), &raw, &count);
  const std::unique_ptr<pid_t, MallocRelease> owned(raw);
  if (rc != 0) throw_libcgroup("cgroup_get_procs", cgroup_directory(name, controller) + "/cgroup.procs", rc);
  return std::vector<pid_t>(raw, raw + count);
}

void move_process(pid_t pid, const std::string& name, const std::vector<std::string>& controllers) {
  ensure_libcgroup_initialized();
  const std::vector<const char*> names = null_terminated(controllers);
  if (const int rc = cgroup_change_cgroup_path(name.c_str(), pid, names.data()); rc != 0) {
    throw_libcgroup("cgroup_change_cgroup_path pid " + std::to_string(pid),
                    cgroup_directory(name, controllers.front()), rc);
  }
}

namespace {

// The unified hierarchy's group of a process: the "0::/path" line of /proc/PID/cgroup. libcgroup 2.0
// (Debian 12) looks only for lines that name the controller, which the unified line never does, and so
// fails with "No such file or directory" on a cgroup v2 host. The real /proc, not host_paths(): the
// group is used in the hierarchy libcgroup found in the real mount table.
std::string unified_cgroup(pid_t pid) {
  const std::string file = "/proc/" + std::to_string(pid) + "/cgroup";
  std::ifstream cgroups(file);
  if (!cgroups) throw TuningError::from_errno("open", file, errno);
  std::string line;
  while (std::getline(cgroups, line)) {
    if (line.starts_with("0::")) return line.substr(3);
  }
  throw TuningError("current_cgroup", file, "no line for the unified (cgroup v2) hierarchy");
}

bool on_cgroup2(const std::string& controller) {
  char* raw = nullptr;
  if (cgroup_get_subsys_mount_point(controller.c_str(), &raw) != 0 || raw == nullptr) return false;
  const std::unique_ptr<char, MallocRelease> owned(raw);
  struct statfs info {};
  return ::statfs(raw, &info) == 0 && info.f_type == CGROUP2_SUPER_MAGIC;
}

}  // namespace

std::string current_cgroup(pid_t pid, const std::string& controller) {
  ensure_libcgroup_initialized();
  if (on_cgroup2(controller)) return unified_cgroup(pid);
  char* raw = nullptr;
  const int rc = cgroup_get_current_controller_path(pid, controller.c_str(), &raw);
  const std::unique_ptr<char, MallocRelease> owned(raw);
  if (rc != 0 || raw == nullptr) {
    throw_libcgroup("cgroup_get_current_controller_path " + controller,
                    "/proc/" + std::to_string(pid) + "/cgroup", rc != 0 ? rc : ECGFAIL);
  }
  return raw;
}

std::string cgroup_directory(const std::string& name, const std::string& controller) {
  ensure_libcgroup_initialized();
  char* raw = nullptr;
  if (cgroup_get_subsys_mount_point(controller.c_str(), &raw) != 0 || raw == nullptr) {
    return "<" + controller + " not mounted>/" + name;
  }
  const std::unique_ptr<char, MallocRelease> owned(raw);
  return std::string(raw) + "/" + name;
}

}  // namespace ck::tuning::detail
