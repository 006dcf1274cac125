// ckctl tenant create | list | remove: the slices of CPUs and memory that models run in.
#include <iostream>

#include "commands.h"
#include "daemon_state.h"
#include "human_text.h"
#include "memory_size.h"

namespace ck::ckctl {
namespace {

void add_create_options(po::options_description& options) {
  options.add_options()("cpus", po::value<std::string>()->required()->value_name("LIST"),
                        "CPUs the tenant gets to itself, as a cpulist: 0-3,8")(
      "mems", po::value<std::string>()->default_value("")->value_name("LIST"),
      "NUMA memory nodes, as a list: 0 or 0-1 (default: all nodes)")(
      "memory", po::value<std::string>()->value_name("SIZE"),
      "memory limit: 512M, 4G, 1.5GiB (K/M/G/T and KiB.. are 1024-based, kB/MB/GB/TB 1000-based; default: "
      "none)");
}

void run_create(const CommandContext& context) {
  const std::string name = context.text("NAME");
  constexpr uint64_t kNoLimit = 0;  // as the API spells it
  const uint64_t memory_bytes =
      context.given("memory") ? parse_memory_size(context.text("memory")) : kNoLimit;
  MethodCall call = context.bus.manager_call("CreateTenant");
  call.arg(name).arg(context.text("cpus")).arg(context.text("mems")).arg(memory_bytes).arg(CallOptions{});
  const std::string object = context.bus.invoke(call).read_object_path();
  if (context.global.json) {
    std::cout << Json(Json::Object{{"tenant", name}, {"object", object}}).dump() << "\n";
  } else {
    std::cout << "created tenant " << name << " (cpus " << context.text("cpus") << ", memory "
              << (memory_bytes == kNoLimit ? "unlimited" : format_bytes(memory_bytes)) << ")\n";
  }
}

Json tenant_json(const TenantState& tenant) {
  Json::Array models;
  for (const BusValueMap& model : tenant.models) models.push_back(string_of(model, "Name"));
  return Json::Object{{"name", string_of(tenant.properties, "Name")},
                      {"cpus", string_of(tenant.properties, "Cpus")},
                      {"mems", string_of(tenant.properties, "Mems")},
                      {"memory_limit", unsigned_of(tenant.properties, "MemoryLimit")},
                      {"memory_usage", unsigned_of(tenant.properties, "MemoryUsage")},
                      {"models", std::move(models)}};
}

void run_list(const CommandContext& context) {
  const DaemonState state = read_daemon_state(context.bus);
  if (context.global.json) {
    Json::Array tenants;
    for (const TenantState& tenant : state.tenants) tenants.push_back(tenant_json(tenant));
    std::cout << Json(std::move(tenants)).dump() << "\n";
    return;
  }
  std::printf("%-20s %-12s %-8s %-12s %-12s %s\n", "NAME", "CPUS", "MEMS", "LIMIT", "USAGE", "MODELS");
  for (const TenantState& tenant : state.tenants) {
    std::string models;
    for (const BusValueMap& model : tenant.models)
      models += (models.empty() ? "" : ",") + string_of(model, "Name");
    const std::string mems = string_of(tenant.properties, "Mems");
    std::printf("%-20s %-12s %-8s %-12s %-12s %s\n", string_of(tenant.properties, "Name").c_str(),
                string_of(tenant.properties, "Cpus").c_str(), mems.empty() ? "all" : mems.c_str(),
                format_bytes(unsigned_of(tenant.properties, "MemoryLimit")).c_str(),
                format_bytes(unsigned_of(tenant.properties, "MemoryUsage")).c_str(), models.c_str());
  }
}

void run_remove(const CommandContext& context) {
  const std::string name = context.text("NAME");
  MethodCall call = context.bus.manager_call("RemoveTenant");
  call.arg(name);
  context.bus.invoke(call, BusClient::Wait::until_done);  // stops the tenant's workers first
  if (context.global.json) {
    std::cout << Json(Json::Object{{"tenant", name}, {"removed", true}}).dump() << "\n";
  } else {
    std::cout << "removed tenant " << name << "\n";
  }
}

}  // namespace

std::vector<CommandSpec> tenant_commands() {
  return {
      {
          .name = "tenant create",
          .synopsis = "NAME --cpus LIST [--memory SIZE] [--mems LIST]",
          .summary = "create a tenant: CPUs of its own, a memory limit, a cgroup slice",
          .details =
              "NAME is 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit. The CPUs\n"
              "must exist, be online and belong to no other tenant; the limit must fit the host.",
          .examples = "tenant create alice --cpus 0-1 --mems 0 --memory 4G\ntenant create bob --cpus 2 "
                      "--memory 1.5GiB",
          .positionals = {"NAME"},
          .add_options = add_create_options,
          .run = run_create,
      },
      {
          .name = "tenant list",
          .synopsis = "",
          .summary = "list the tenants with their CPUs, memory and models",
          .details = "",
          .examples = "tenant list\ntenant list --json",
          .positionals = {},
          .add_options = {},
          .run = run_list,
      },
      {
          .name = "tenant remove",
          .synopsis = "NAME",
          .summary = "remove a tenant, unloading its models first",
          .details = "",
          .examples = "tenant remove alice",
          .positionals = {"NAME"},
          .add_options = {},
          .run = run_remove,
      },
  };
}

}  // namespace ck::ckctl
