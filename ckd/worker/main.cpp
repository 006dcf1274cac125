// ckd-worker: serves one model for ckd. ckd starts it inside the tenant's cgroup, on the tenant's CPUs
// and memory nodes, with a socket on --socket-fd; it maps the weights ckd placed (a hugetlbfs copy or the
// GGUF file itself), loads the model, reports WorkerReady (or LoadFailed with the engine's message) and
// then answers generate requests one at a time until ckd closes the socket. A heartbeat thread tells ckd
// it is alive throughout; between tokens it looks for a Cancel from ckd.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>

#include "ckernel/engine/generate.h"
#include "ckernel/engine/gguf.h"
#include "ckernel/engine/kernel_wisdom.h"
#include "ckernel/engine/model.h"
#include "ckernel/engine/model_image.h"
#include "ckernel/engine/session.h"
#include "ckernel/tuning/error.h"
#include "ckernel/tuning/memory_mapping.h"
#include "heartbeat_thread.h"
#include "worker_link.h"

namespace {

namespace daemon = ck::daemon;
namespace tuning = ck::tuning;

struct WorkerOptions {
  int socket_fd = -1;
  std::string model_path;         // the GGUF file, for messages
  std::string image_path;         // what to map: a hugetlbfs copy, or the GGUF file
  std::uint64_t image_bytes = 0;  // the GGUF's size (a hugetlbfs copy is rounded up to whole pages)
  std::string image_identity;     // "device:inode:size:mtime_ns" the image must have; empty: not checked
  std::string placement;
  int threads = 1;
  std::int64_t context = 0;
  std::string kernel_wisdom;  // the file ckd read; empty: the defaults
};

// A hugetlbfs copy is mapped whole (hugetlbfs maps whole huge pages only) and read-only: a worker never
// writes the weights it shares with other tenants.
ck::ModelImage map_resident_copy(const WorkerOptions& options) {
  const int fd = ::open(options.image_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) tuning::throw_errno("open", options.image_path);
  struct stat info {};
  const int stat_result = ::fstat(fd, &info);
  void* address = stat_result == 0
                      ? ::mmap(nullptr, static_cast<std::size_t>(info.st_size), PROT_READ, MAP_SHARED, fd, 0)
                      : MAP_FAILED;
  const int saved_errno = errno;
  ::close(fd);
  if (address == MAP_FAILED) tuning::throw_errno("mmap PROT_READ", options.image_path, saved_errno);
  const std::string identity =
      std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + ":" + std::to_string(info.st_size) +
      ":" + std::to_string(std::int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec);
  if (!options.image_identity.empty() && identity != options.image_identity) {
    ::munmap(address, static_cast<std::size_t>(info.st_size));
    throw tuning::TuningError("open", options.image_path,
                              "not the file ckd opened for this model (it was replaced or changed since)");
  }
  if (static_cast<std::uint64_t>(info.st_size) < options.image_bytes) {
    throw tuning::TuningError("mmap", options.image_path, "the copy is shorter than the model file");
  }
  auto mapping = std::make_shared<tuning::MemoryMapping>(address, static_cast<std::size_t>(info.st_size));
  const std::span<const std::byte> bytes(mapping->data(), options.image_bytes);
  return ck::ModelImage{bytes, std::move(mapping), options.model_path, options.placement};
}

// Between tokens: true when ckd asked to stop the request (or is gone). Nothing but Cancel and heartbeat
// traffic may come while a request runs.
bool cancel_arrived(daemon::WorkerLink& link) {
  bool cancel = false;
  for (const daemon::WorkerMessage& message : link.receive_arrived()) {
    if (std::holds_alternative<daemon::Cancel>(message)) {
      cancel = true;
    } else {
      throw daemon::ProtocolError("ckd sent a request while another one runs");
    }
  }
  return cancel || link.closed();
}

daemon::WorkerMessage run_request(ck::Session& session, const daemon::GenerateRequest& request,
                                  daemon::WorkerLink& link) {
  ck::GenerationOptions options;
  options.n_predict = static_cast<std::int32_t>(request.max_tokens);
  options.sampling.temperature = static_cast<float>(request.temperature);
  options.sampling.top_k = request.top_k;
  options.sampling.top_p = static_cast<float>(request.top_p);
  options.sampling.seed = request.seed;
  try {
    const ck::GenerationResult result =
        ck::generate(session, request.prompt, options, [&](const ck::GenerationStep& step) {
          link.send(daemon::Piece{step.piece});
          return !cancel_arrived(link);
        });
    return daemon::GenerateDone{result.text,
                                static_cast<std::uint32_t>(result.prompt_tokens.size()),
                                static_cast<std::uint32_t>(result.steps.size()),
                                result.prompt_seconds,
                                result.generation_seconds,
                                std::string(ck::stop_reason_name(result.stop_reason))};
  } catch (const ck::SessionError& e) {
    return daemon::GenerateFailed{e.what()};
  }
}

int serve(const WorkerOptions& options) {
  daemon::WorkerLink link(options.socket_fd);
  // Beats from before the model loads: loading a large model is slow, not hung.
  const daemon::HeartbeatThread heartbeat(link);
  // Before anything decides the instruction-set level. A file ckd could read and this user cannot gives
  // the defaults, as a missing one does: the same bits, another speed.
  if (!options.kernel_wisdom.empty()) ck::apply_kernel_wisdom(ck::load_kernel_wisdom(options.kernel_wisdom));
  std::shared_ptr<const ck::Model> model;
  try {
    ck::ModelImage image = map_resident_copy(options);
    image.placement = options.placement;
    model = ck::Model::load(std::move(image));
  } catch (const std::exception& e) {
    link.send(daemon::LoadFailed{e.what()});
    return 2;
  }
  ck::Session session(model, ck::SessionOptions{.n_ctx = options.context, .n_threads = options.threads});
  link.send(daemon::WorkerReady{model->weight_bytes(), static_cast<std::uint32_t>(session.n_ctx())});
  while (auto message = link.receive()) {
    // A Cancel that arrives after its request finished finds nothing to stop.
    if (std::holds_alternative<daemon::Cancel>(*message)) continue;
    const auto* request = std::get_if<daemon::GenerateRequest>(&*message);
    if (request == nullptr) throw daemon::ProtocolError("the worker only takes generate requests and Cancel");
    link.send(run_request(session, *request, link));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  WorkerOptions options;
  po::options_description described("ckd-worker (started by ckd, not by hand)");
  described.add_options()("socket-fd", po::value(&options.socket_fd)->required(), "the socket to ckd")(
      "model", po::value(&options.model_path)->required(), "the GGUF file")(
      "image", po::value(&options.image_path)->required(),
      "what to map: the hugetlbfs copy or the GGUF file")(
      "image-bytes", po::value(&options.image_bytes)->required(), "the GGUF file's size")(
      "image-identity", po::value(&options.image_identity)->default_value(""),
      "device:inode:size:mtime_ns the image must have (when it is the GGUF file itself)")(
      "placement", po::value(&options.placement)->default_value(""), "where the weights are, for status")(
      "threads", po::value(&options.threads)->default_value(1), "engine threads")(
      "context", po::value(&options.context)->default_value(0),
      "KV cache positions (0: the model's, at most 4096)")(
      "kernel-wisdom", po::value(&options.kernel_wisdom)->default_value(""),
      "the kernel wisdom to apply (ckd's <state-dir>/kernel-wisdom.json)");
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, described), values);
    po::notify(values);
    ::signal(SIGPIPE, SIG_IGN);
    return serve(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ckd-worker: %s\n", e.what());
    return 1;
  }
}
