// A model file opened for a load. ckd runs as root, but it opens a path a client named only with that
// client's rights (the file-system uid and groups of ckd's file thread are switched for the open), so an
// error tells the client nothing about files it could not read itself. The open never blocks (a FIFO or
// a device is refused, not waited on) and everything here runs on ckd's file thread, off the event loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "caller.h"

namespace ck::daemon {

class ModelFile {
 public:
  // Throws DaemonError BadModel naming the path and what is wrong ("Permission denied", "a FIFO, not a
  // regular file", "empty").
  static std::shared_ptr<ModelFile> open(const std::string& path, const Caller& caller);
  ~ModelFile();
  ModelFile(const ModelFile&) = delete;
  ModelFile& operator=(const ModelFile&) = delete;

  int fd() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }
  std::uint64_t size() const noexcept { return size_; }

 private:
  ModelFile(std::string path, int fd, std::uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  std::uint64_t size_;
};

// What a model asks of its tenant's memory limit: its weights and what the engine says a session of
// `context` positions costs (0: the engine's default for the model): the KV cache and the activations.
struct ModelFootprint {
  std::uint64_t weight_bytes = 0;
  std::uint64_t session_bytes = 0;
  std::uint64_t total() const noexcept { return weight_bytes + session_bytes; }
};

// Parses the GGUF through the open file (validating it as the engine does). Throws DaemonError BadModel
// with the engine's message.
ModelFootprint probe_model(const ModelFile& file, unsigned context);

}  // namespace ck::daemon
