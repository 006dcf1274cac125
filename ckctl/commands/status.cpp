// ckctl status: the daemon's whole state, as ckd's GetStatus JSON or as text.
#include <iostream>

#include "commands.h"
#include "daemon_state.h"
#include "human_text.h"

namespace ck::ckctl {
namespace {

void print_model(const BusValueMap& model) {
  const uint64_t threads = unsigned_of(model, "Threads");
  std::cout << "  model " << string_of(model, "Name") << ": " << string_of(model, "State") << ", worker pid "
            << unsigned_of(model, "WorkerPid") << ", " << threads
            << (threads == 1 ? " thread, " : " threads, ") << unsigned_of(model, "Restarts") << " restarts, "
            << format_bytes(unsigned_of(model, "WeightBytes")) << " of weights in "
            << string_of(model, "Placement") << "\n"
            << "    " << string_of(model, "Path") << "\n";
  if (const std::string error = string_of(model, "Error"); !error.empty())
    std::cout << "    failed: " << error << " (ckd retries it)\n";
}

void print_status(const DaemonState& state) {
  std::cout << "ckd " << string_of(state.manager, "Version") << ": copy engine "
            << string_of(state.manager, "CopyEngine") << ", "
            << format_bytes(unsigned_of(state.manager, "HugepagesReserved")) << " of hugepages reserved\n";
  // An older ckd has no such property: nothing to say.
  if (const std::string tuning = string_of(state.manager, "KernelTuning"); !tuning.empty())
    std::cout << "kernel tuning: " << tuning << "\n";
  if (state.tenants.empty()) {
    std::cout << "no tenants (create one with: ckctl tenant create NAME --cpus LIST [--memory SIZE])\n";
  }
  for (const TenantState& tenant : state.tenants) {
    const std::string mems = string_of(tenant.properties, "Mems");
    std::cout << "tenant " << string_of(tenant.properties, "Name") << ": cpus "
              << string_of(tenant.properties, "Cpus") << ", memory nodes " << (mems.empty() ? "all" : mems)
              << ", " << format_bytes(unsigned_of(tenant.properties, "MemoryUsage")) << " used of "
              << format_bytes(unsigned_of(tenant.properties, "MemoryLimit")) << "\n";
    if (string_of(tenant.properties, "State") != "active") {
      std::cout << "  failed: " << string_of(tenant.properties, "Error")
                << " (ckd retries it; its models wait for it)\n";
    }
    if (tenant.models.empty()) std::cout << "  no models\n";
    for (const BusValueMap& model : tenant.models) print_model(model);
  }
}

void run_status(const CommandContext& context) {
  if (context.global.json) {
    const MethodCall call = context.bus.manager_call("GetStatus");
    std::cout << context.bus.invoke(call).read_string() << "\n";
  } else {
    print_status(read_daemon_state(context.bus));
  }
}

}  // namespace

std::vector<CommandSpec> status_commands() {
  return {{
      .name = "status",
      .synopsis = "",
      .summary = "show the host, the tenants and their models",
      .details =
          "Anyone may ask; no group membership needed. --json prints ckd's GetStatus document\n"
          "(host CPUs, memory, hugepages, copy engine and notes; the kernel tuning in use; every tenant and\n"
          "model).",
      .examples = "status\nstatus --json\n--bus unix:path=/tmp/ckd/bus status",
      .positionals = {},
      .add_options = {},
      .run = run_status,
  }};
}

}  // namespace ck::ckctl
