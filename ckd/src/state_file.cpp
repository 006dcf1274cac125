#include "state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "ckernel/json/json.h"

namespace ck::daemon {

using ck::Json;
using ck::JsonError;

namespace {

namespace fs = std::filesystem;

[[noreturn]] void throw_system_error(const std::string& call, const fs::path& path) {
  throw std::system_error(errno, std::generic_category(), call + " " + path.string());
}

class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error a deferred write may only show here.
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw_system_error("write", path);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

std::string serialize_state(const DaemonState& state) {
  Json::Array tenants;
  for (const TenantRecord& tenant : state.tenants) {
    tenants.push_back(Json::Object{{"name", tenant.name},
                                   {"cpus", tenant.cpus},
                                   {"mems", tenant.mems},
                                   {"memory_limit", tenant.memory_limit_bytes}});
  }
  Json::Array models;
  for (const ModelRecord& model : state.models) {
    models.push_back(Json::Object{{"tenant", model.tenant},
                                  {"name", model.name},
                                  {"path", model.path},
                                  {"threads", model.threads},
                                  {"context", model.context},
                                  {"owner_uid", model.owner_uid}});
  }
  return Json(Json::Object{{"version", 1}, {"tenants", tenants}, {"models", models}}).dump() + "\n";
}

DaemonState parse_state(std::string_view text) {
  const Json document = Json::parse(text);
  if (document.at("version").integer() != 1) throw JsonError("unsupported state version");
  DaemonState state;
  for (const Json& tenant : document.at("tenants").array()) {
    state.tenants.push_back(TenantRecord{tenant.at("name").string(), tenant.at("cpus").string(),
                                         tenant.at("mems").string(),
                                         tenant.at("memory_limit").unsigned_integer()});
  }
  for (const Json& model : document.at("models").array()) {
    const bool has_owner = model.object().contains("owner_uid");
    state.models.push_back(
        ModelRecord{model.at("tenant").string(), model.at("name").string(), model.at("path").string(),
                    static_cast<unsigned>(model.at("threads").unsigned_integer()),
                    static_cast<unsigned>(model.at("context").unsigned_integer()),
                    has_owner ? static_cast<unsigned>(model.at("owner_uid").unsigned_integer()) : 0u});
  }
  return state;
}

void save_state(const fs::path& file, const DaemonState& state) {
  const fs::path directory = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  fs::create_directories(directory);
  const fs::path temporary = file.string() + ".tmp";
  {
    OwnedFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw_system_error("open", temporary);
    write_all(fd.get(), serialize_state(state), temporary);
    if (::fsync(fd.get()) != 0) throw_system_error("fsync", temporary);
    if (fd.close() != 0) throw_system_error("close", temporary);
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) throw_system_error("rename", temporary);
  // The rename is only durable once the directory entry is.
  OwnedFd directory_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory_fd.get() < 0) throw_system_error("open", directory);
  if (::fsync(directory_fd.get()) != 0) throw_system_error("fsync", directory);
}

DaemonState load_state(const fs::path& file) {
  std::ifstream in(file);
  if (!in) {
    if (!fs::exists(file)) return {};
    throw JsonError(file.string() + ": cannot be read");
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    return parse_state(text.str());
  } catch (const JsonError& e) {
    throw JsonError(file.string() + ": " + e.what());
  }
}

}  // namespace ck::daemon
