// ckctl load | unload: models in a tenant, each served by a worker process in the tenant's slice.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "ckernel/api/shipped_models.h"
#include "commands.h"
#include "daemon_state.h"
#include "human_text.h"
#include "load_progress.h"
#include "number_argument.h"

namespace ck::ckctl {
namespace {

void add_load_options(po::options_description& options) {
  options.add_options()("name", po::value<std::string>()->value_name("NAME"),
                        "name of the model in the tenant (default: the file name without .gguf)")(
      "threads", po::value<std::string>()->value_name("N"),
      "worker threads (default: the tenant's CPU count)")("context",
                                                          po::value<std::string>()->value_name("N"),
                                                          "context positions (default: 4096 or the model's)");
}

void run_load(const CommandContext& context) {
  const std::string tenant = context.text("TENANT");
  // ckd runs elsewhere: a relative path would be resolved against its working directory, not ours. The
  // "./" and "../" of a typed path are folded so that status and the state file show a plain path. A bare
  // name that is no file here names a model the package ships, which ckd finds (api/shipped_models.h).
  const std::string typed = context.text("MODEL");
  const bool shipped = api::is_shipped_model_name(typed) && !std::filesystem::exists(typed);
  const std::filesystem::path path = shipped ? std::filesystem::path(typed)
                                             : std::filesystem::absolute(typed).lexically_normal();
  const std::string name = context.given("name") ? context.text("name") : path.stem().string();
  CallOptions options;
  if (context.given("name")) options.emplace_back("name", name);
  if (context.given("threads")) {
    options.emplace_back("threads", parse_number<uint32_t>("threads", context.text("threads"), 1));
  }
  if (context.given("context")) {
    options.emplace_back("context", parse_number<uint32_t>("context", context.text("context"), 1));
  }

  LoadProgress progress(name, !context.global.json);
  const SignalSubscription subscription = context.bus.subscribe("LoadProgress", [&](Message& signal) {
    const std::string signal_tenant = signal.read_string();
    const std::string signal_model = signal.read_string();
    const uint64_t done = signal.read_uint64();
    const uint64_t total = signal.read_uint64();
    if (signal_tenant == tenant && signal_model == name) progress.update(done, total);
  });
  MethodCall call = context.bus.manager_call("LoadModel");
  call.arg(tenant).arg(path.string()).arg(options);
  const auto start = std::chrono::steady_clock::now();
  const std::string object = context.bus.invoke(call, BusClient::Wait::until_done).read_object_path();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const BusValueMap model = read_properties(context.bus, object.c_str(), kModelInterface);
  if (context.global.json) {
    std::cout << Json(Json::Object{{"tenant", tenant},
                                   {"model", string_of(model, "Name")},
                                   {"object", object},
                                   {"load_seconds", seconds},
                                   {"worker_pid", unsigned_of(model, "WorkerPid")},
                                   {"threads", unsigned_of(model, "Threads")},
                                   {"weight_bytes", unsigned_of(model, "WeightBytes")},
                                   {"placement", string_of(model, "Placement")}})
                     .dump()
              << "\n";
  } else {
    std::printf("loaded %s into tenant %s in %.2f s: %s of weights in %s; worker pid %llu, %llu threads\n",
                string_of(model, "Name").c_str(), tenant.c_str(), seconds,
                format_bytes(unsigned_of(model, "WeightBytes")).c_str(),
                string_of(model, "Placement").c_str(),
                static_cast<unsigned long long>(unsigned_of(model, "WorkerPid")),
                static_cast<unsigned long long>(unsigned_of(model, "Threads")));
  }
}

void run_unload(const CommandContext& context) {
  const std::string tenant = context.text("TENANT");
  const std::string name = context.text("NAME");
  MethodCall call = context.bus.manager_call("UnloadModel");
  call.arg(tenant).arg(name);
  context.bus.invoke(call, BusClient::Wait::until_done);
  if (context.global.json) {
    std::cout << Json(Json::Object{{"tenant", tenant}, {"model", name}, {"unloaded", true}}).dump() << "\n";
  } else {
    std::cout << "unloaded " << name << " from tenant " << tenant << "\n";
  }
}

}  // namespace

std::vector<CommandSpec> model_commands() {
  return {
      {
          .name = "load",
          .synopsis = "TENANT MODEL [--name NAME] [--threads N] [--context N]",
          .summary = "load a GGUF model file into a tenant and start its worker",
          .details = "Waits until the worker is ready, showing progress on stderr while the weights are\n"
                     "copied. A model file already loaded elsewhere shares its weights (no second copy).\n"
                     "MODEL without '/' or .gguf that is no file here names a model the package ships: `default`\n"
                     "is ckernel's own small English model (ckd's models-dir, /usr/share/ckernel/models).",
          .examples = "load alice default\n"
                      "load alice /var/lib/ckernel/models/llama-3.2-1b-Q4_K_M.gguf\n"
                      "load alice model.gguf --name chat --threads 2 --context 2048",
          .positionals = {"TENANT", "MODEL"},
          .add_options = add_load_options,
          .run = run_load,
      },
      {
          .name = "unload",
          .synopsis = "TENANT NAME",
          .summary = "stop a model's worker and forget the model",
          .details = "",
          .examples = "unload alice chat",
          .positionals = {"TENANT", "NAME"},
          .add_options = {},
          .run = run_unload,
      },
  };
}

}  // namespace ck::ckctl
