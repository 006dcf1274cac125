#include "ckernel/engine/kernel_wisdom.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "ckernel/json/json.h"

namespace ck {
namespace {

namespace fs = std::filesystem;
using kernels::KernelTuning;

// A wisdom file is a few KiB; anything this large is not one, and is not read whole.
constexpr std::uintmax_t kMaxWisdomBytes = 1 << 20;

// ---------------------------------------------------------------------------------------------------
// /proc/cpuinfo

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int to_int(std::string_view text) {
  const std::string copy(text);
  char* end = nullptr;
  const long value = std::strtol(copy.c_str(), &end, 10);
  return end != copy.c_str() && value >= 0 && value <= std::numeric_limits<int>::max()
             ? static_cast<int>(value)
             : 0;
}

// ---------------------------------------------------------------------------------------------------
// Reading the document: every access names the member it reads.

[[noreturn]] void fail(std::string_view member, std::string_view problem) {
  throw WisdomError("kernel wisdom: " + std::string(member) + ": " + std::string(problem));
}

// The text of a value for a message, short.
std::string shown(const Json& value) {
  std::string text = value.dump();
  return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

class Reader {
 public:
  Reader(const Json& value, std::string name) : value_(value), name_(std::move(name)) {
    if (!is_object(value_))
      fail(name_.empty() ? "document" : name_, "must be an object, not " + shown(value_));
  }

  Reader object(std::string_view key) const { return Reader(at(key), path(key)); }

  // key's value as `get` reads it, or a WisdomError "PATH: must be EXPECTED, not VALUE".
  template <class Get>
  decltype(auto) typed(std::string_view key, const std::string& expected, Get get) const {
    const Json& v = at(key);
    try {
      return get(v);
    } catch (const JsonError&) {
      fail(path(key), "must be " + expected + ", not " + shown(v));
    }
  }

  const Json::Array& array(std::string_view key) const {
    return typed(key, "an array", [](const Json& v) -> const Json::Array& { return v.array(); });
  }
  std::string string(std::string_view key) const {
    return typed(key, "a string", [](const Json& v) { return v.string(); });
  }
  bool boolean(std::string_view key) const {
    return typed(key, "true or false", [](const Json& v) { return v.boolean(); });
  }
  double number(std::string_view key) const {
    return typed(key, "a number", [](const Json& v) { return v.number(); });
  }
  // Any integer the type holds; the range is the caller's check (kernels::validate).
  std::int64_t any_integer(std::string_view key) const {
    return typed(key, "an integer", [](const Json& v) { return v.integer(); });
  }
  std::uint64_t any_unsigned(std::string_view key) const {
    return typed(key, "an integer of 0 or more", [](const Json& v) { return v.unsigned_integer(); });
  }

  std::int64_t integer(std::string_view key, std::int64_t low, std::int64_t high) const {
    const std::string range = std::to_string(low) + " to " + std::to_string(high);
    const std::int64_t n =
        typed(key, "an integer from " + range, [](const Json& v) { return v.integer(); });
    if (n < low || n > high) fail(path(key), "must be from " + range + ", not " + std::to_string(n));
    return n;
  }

  bool is_null(std::string_view key) const { return at(key) == Json(nullptr); }

  const std::string& name() const { return name_; }
  std::string path(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
  }

 private:
  static bool is_object(const Json& value) {
    try {
      value.object();
      return true;
    } catch (const JsonError&) {
      return false;
    }
  }

  const Json& at(std::string_view key) const {
    const Json::Object& members = value_.object();
    const auto found = members.find(key);
    if (found == members.end()) fail(path(key), "missing");
    return found->second;
  }

  const Json& value_;
  std::string name_;
};

HostCpu read_cpu(const Reader& cpu) {
  constexpr std::int64_t kMaxId = 1 << 16;
  HostCpu c;
  c.vendor = cpu.string("vendor");
  c.model_name = cpu.string("model_name");
  c.microcode = cpu.string("microcode");
  c.family = static_cast<int>(cpu.integer("family", 0, kMaxId));
  c.model = static_cast<int>(cpu.integer("model", 0, kMaxId));
  c.stepping = static_cast<int>(cpu.integer("stepping", 0, kMaxId));
  c.logical_cpus = static_cast<int>(cpu.integer("logical_cpus", 1, kMaxId));
  return c;
}

KernelTuning read_tuning(const Reader& t) {
  KernelTuning tuning;
  tuning.prefetch.distance = static_cast<std::size_t>(t.any_unsigned("prefetch_distance"));
  const std::string hint = t.string("prefetch_hint");
  const auto parsed_hint = kernels::parse_prefetch_hint(hint);
  if (!parsed_hint) fail(t.path("prefetch_hint"), "unknown hint '" + hint + "' (nta, t0, t1 or t2)");
  tuning.prefetch.hint = *parsed_hint;
  tuning.spin = std::chrono::microseconds(t.any_integer("spin_us"));
  // Read within an int's range first: the cast would wrap 4294967298 to 2, a choice validate() accepts.
  tuning.decode_tile_rows = static_cast<int>(
      t.integer("decode_tile_rows", std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  if (!t.is_null("isa")) {
    const std::string isa = t.string("isa");
    const auto level = kernels::parse_isa_level(isa);
    if (!level) fail(t.path("isa"), "unknown level '" + isa + "' (scalar, avx2, avx512, avx512vnni or null)");
    tuning.isa = *level;
  }
  // The ranges: kernels::validate is their one home.
  try {
    kernels::validate(tuning);
  } catch (const std::invalid_argument& e) {
    throw WisdomError("kernel wisdom: " + t.path(e.what()));
  }
  return tuning;
}

WisdomMeasurements read_measurements(const Reader& m) {
  WisdomMeasurements out;
  out.rounds = static_cast<int>(m.integer("rounds", 0, 1'000'000));
  out.threads = static_cast<int>(m.integer("threads", 0, 1 << 16));
  out.weight_mib = m.number("weight_mib");
  out.seconds = m.number("seconds");
  out.hugepages_note = m.string("hugepages_note");
  out.note = m.string("note");
  const Json::Array& parameters = m.array("parameters");
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Reader p(parameters[i], m.path("parameters") + "[" + std::to_string(i) + "]");
    ParameterMeasurement pm{p.string("parameter"), p.string("chosen"), {}};
    const Json::Array& candidates = p.array("candidates");
    for (std::size_t j = 0; j < candidates.size(); ++j) {
      const Reader c(candidates[j], p.path("candidates") + "[" + std::to_string(j) + "]");
      pm.candidates.push_back({c.string("value"), c.number("gbs_1"), c.number("gbs_n"), c.number("score"),
                               c.number("prefill_gflops")});
    }
    out.parameters.push_back(std::move(pm));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Writing

Json cpu_json(const HostCpu& c) {
  return Json::Object{{"vendor", c.vendor},
                      {"model_name", c.model_name},
                      {"microcode", c.microcode},
                      {"family", c.family},
                      {"model", c.model},
                      {"stepping", c.stepping},
                      {"logical_cpus", c.logical_cpus}};
}

Json tuning_json(const KernelTuning& t) {
  return Json::Object{{"prefetch_distance", static_cast<std::uint64_t>(t.prefetch.distance)},
                      {"prefetch_hint", std::string(kernels::prefetch_hint_name(t.prefetch.hint))},
                      {"spin_us", static_cast<std::int64_t>(t.spin.count())},
                      {"decode_tile_rows", static_cast<std::int64_t>(t.decode_tile_rows)},
                      {"isa", t.isa ? Json(std::string(kernels::isa_level_name(*t.isa))) : Json(nullptr)}};
}

Json parameter_json(const ParameterMeasurement& p) {
  Json::Array candidates;
  for (const CandidateRate& c : p.candidates)
    candidates.push_back(Json::Object{
        {"value", c.value}, {"gbs_1", c.gbs_one_thread}, {"gbs_n", c.gbs_threads}, {"score", c.score},
        {"prefill_gflops", c.prefill_gflops}});
  return Json::Object{
      {"parameter", p.parameter}, {"chosen", p.chosen}, {"candidates", std::move(candidates)}};
}

std::string read_small_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WisdomError(path.string() + ": " + std::strerror(errno));
  std::string text;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxWisdomBytes)
      throw WisdomError(path.string() + ": larger than 1 MiB, not kernel wisdom");
  }
  return text;
}

}  // namespace

fs::path default_wisdom_path() { return fs::path(kStateDirectory) / kWisdomFileName; }

fs::path wisdom_path() {
  const char* given = std::getenv("CK_KERNEL_WISDOM");
  return given != nullptr && *given != '\0' ? fs::path(given) : default_wisdom_path();
}

std::string_view ckernel_version() { return CKERNEL_VERSION; }

HostCpu parse_cpuinfo(std::string_view text) {
  HostCpu cpu;
  bool in_first_block = true;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    const std::size_t colon = line.find(':');
    if (trim(line).empty()) {
      if (cpu.logical_cpus > 0) in_first_block = false;
      continue;
    }
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "processor") ++cpu.logical_cpus;
    if (!in_first_block) continue;
    if (key == "vendor_id") cpu.vendor = value;
    if (key == "model name") cpu.model_name = value;
    if (key == "microcode") cpu.microcode = value;
    if (key == "cpu family") cpu.family = to_int(value);
    if (key == "model") cpu.model = to_int(value);
    if (key == "stepping") cpu.stepping = to_int(value);
  }
  return cpu;
}

HostCpu this_host_cpu() {
  std::ifstream in("/proc/cpuinfo");
  std::stringstream text;
  text << in.rdbuf();
  return parse_cpuinfo(text.str());
}

bool same_cpu_identity(const HostCpu& a, const HostCpu& b) {
  return a.vendor == b.vendor && a.family == b.family && a.model == b.model && a.stepping == b.stepping &&
         a.model_name == b.model_name && a.logical_cpus == b.logical_cpus;
}

std::string describe(const HostCpu& c) {
  return c.model_name + " (" + c.vendor + " family " + std::to_string(c.family) + " model " +
         std::to_string(c.model) + " stepping " + std::to_string(c.stepping) + ", " +
         std::to_string(c.logical_cpus) + (c.logical_cpus == 1 ? " logical CPU)" : " logical CPUs)");
}

std::string format_kernel_wisdom(const KernelWisdom& w) {
  const WisdomMeasurements& m = w.measurements;
  std::string parameters;
  for (std::size_t i = 0; i < m.parameters.size(); ++i)
    parameters += (i ? ",\n    " : "\n    ") + parameter_json(m.parameters[i]).dump();
  std::string out = "{\n";
  out += "  \"format\": " + std::to_string(w.format) + ",\n";
  out += "  \"cpu\": " + cpu_json(w.cpu).dump() + ",\n";
  out += "  \"ckernel_version\": " + Json(w.ckernel_version).dump() + ",\n";
  out += "  \"measured_at\": " + Json(w.measured_at).dump() + ",\n";
  out += "  \"tuning\": " + tuning_json(w.tuning).dump() + ",\n";
  out += "  \"weights_on_hugepages\": " + Json(w.weights_on_hugepages).dump() + ",\n";
  out += "  \"measurements\": {\"rounds\": " + std::to_string(m.rounds) +
         ", \"threads\": " + std::to_string(m.threads) + ", \"weight_mib\": " + Json(m.weight_mib).dump() +
         ", \"seconds\": " + Json(m.seconds).dump() + ",\n";
  out += "    \"hugepages_note\": " + Json(m.hugepages_note).dump() + ",\n";
  out += "    \"note\": " + Json(m.note).dump() + ",\n";
  out += "    \"parameters\": [" + parameters + (parameters.empty() ? "]}\n" : "\n  ]}\n");
  return out + "}\n";
}

KernelWisdom parse_kernel_wisdom(std::string_view text) {
  Json document;
  try {
    document = Json::parse(text);
  } catch (const JsonError& e) {
    throw WisdomError(std::string("kernel wisdom: not JSON: ") + e.what());
  }
  const Reader top(document, "");
  KernelWisdom w;
  // Compared before any narrowing: as an int, 4294967297 would pass for format 1.
  const std::int64_t format = top.any_integer("format");
  if (format != KernelWisdom::kFormat)
    fail("format", "version " + std::to_string(format) + " is not known (this ckernel reads " +
                       std::to_string(KernelWisdom::kFormat) + "); run 'cktune kernels'");
  w.format = KernelWisdom::kFormat;
  w.cpu = read_cpu(top.object("cpu"));
  w.ckernel_version = top.string("ckernel_version");
  w.measured_at = top.string("measured_at");
  w.tuning = read_tuning(top.object("tuning"));
  w.weights_on_hugepages = top.boolean("weights_on_hugepages");
  w.measurements = read_measurements(top.object("measurements"));
  return w;
}

WisdomUse load_kernel_wisdom(const fs::path& path) {
  WisdomUse use;
  use.path = path;
  if (path == kWisdomDisabled) {
    use.reason = "disabled by CK_KERNEL_WISDOM=none";
    return use;
  }
  std::error_code error;
  const bool exists = fs::exists(path, error);
  if (!error && !exists) {
    use.reason = "no file at " + path.string() + "; run 'cktune kernels'";
    return use;
  }
  KernelWisdom wisdom;
  try {
    wisdom = parse_kernel_wisdom(read_small_file(path));
  } catch (const std::exception& e) {
    use.reason = std::string("unreadable: ") + e.what() + "; run 'cktune kernels'";
    return use;
  }
  const HostCpu here = this_host_cpu();
  if (!same_cpu_identity(wisdom.cpu, here)) {
    use.reason = "measured on another CPU (" + describe(wisdom.cpu) + "); run 'cktune kernels'";
    return use;
  }
  std::vector<std::string> notes;
  if (wisdom.cpu.microcode != here.microcode)
    notes.push_back("measured with microcode " + wisdom.cpu.microcode + ", now " + here.microcode);
  if (wisdom.ckernel_version != ckernel_version())
    notes.push_back("measured by ckernel " + wisdom.ckernel_version + ", this is " +
                    std::string(ckernel_version()));
  use.reason = "measured on this CPU at " + wisdom.measured_at;
  for (const std::string& note : notes) use.reason += "; " + note;
  use.source = WisdomUse::Source::wisdom;
  use.wisdom = std::move(wisdom);
  return use;
}

void apply_kernel_wisdom(const WisdomUse& use) {
  if (use.source == WisdomUse::Source::wisdom && use.wisdom) kernels::set_kernel_tuning(use.wisdom->tuning);
}

std::string describe(const KernelTuning& t) {
  return "prefetch " + std::to_string(t.prefetch.distance) + " B " +
         std::string(kernels::prefetch_hint_name(t.prefetch.hint)) + ", spin " +
         std::to_string(t.spin.count()) + " us, decode tile rows " +
         (t.decode_tile_rows ? std::to_string(t.decode_tile_rows) : std::string("kernel's")) + ", isa " +
         (t.isa ? std::string(kernels::isa_level_name(*t.isa)) : std::string("best"));
}

std::string describe(const WisdomUse& use) {
  if (use.source == WisdomUse::Source::defaults)
    return "defaults (" + use.reason + "): " + describe(use.tuning());
  return "wisdom (" + use.path.string() + ", " + use.reason + "): " + describe(use.tuning()) +
         (use.wisdom->weights_on_hugepages ? ", weights on huge pages" : ", weights on 4 KiB pages");
}

Json::Object describe_json(const WisdomUse& use) {
  // The file's tuning members, with "best" for an unset level (the file writes null).
  Json::Object out = tuning_json(use.tuning()).object();
  if (out.at("isa") == Json(nullptr)) out["isa"] = "best";
  out["source"] = use.source == WisdomUse::Source::wisdom ? "wisdom" : "defaults";
  out["reason"] = use.reason;
  out["path"] = use.path.string();
  out["weights_on_hugepages"] = use.wisdom ? Json(use.wisdom->weights_on_hugepages) : Json(nullptr);
  out["summary"] = describe(use);
  return out;
}

}  // namespace ck
