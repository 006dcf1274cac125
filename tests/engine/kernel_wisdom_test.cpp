// Kernel wisdom (engine/kernel_wisdom.h): the file round-trips, every bad or hostile document is refused
// with a WisdomError naming the member, and a file that is missing, disabled or of another CPU gives the
// defaults with the reason.
#include "ckernel/engine/kernel_wisdom.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ck {
namespace {

namespace fs = std::filesystem;

KernelWisdom sample_wisdom(const HostCpu& cpu) {
  KernelWisdom w;
  w.cpu = cpu;
  w.ckernel_version = std::string(ckernel_version());
  w.measured_at = "2026-12-04T10:15:00Z";
  w.tuning.prefetch = {16384, kernels::PrefetchHint::t1};
  w.tuning.spin = std::chrono::microseconds(500);
  w.tuning.decode_tile_rows = 8;
  w.tuning.isa = kernels::IsaLevel::avx2;
  w.weights_on_hugepages = true;
  w.measurements.rounds = 5;
  w.measurements.threads = 2;
  w.measurements.weight_mib = 210.5;
  w.measurements.seconds = 41.25;
  w.measurements.hugepages_note = "2 MiB pages reserved for the run and given back";
  w.measurements.note = "time limit reached: spin_us not measured, the defaults kept";
  w.measurements.parameters = {
      {"prefetch_distance", "16384", {{"8192", 10.5, 20.25, 1.0}, {"16384", 11.0, 21.5, 1.0625}}},
      {"prefetch_hint", "t1", {{"nta", 11.0, 21.5, 1.0}, {"t1", 11.5, 22.5, 1.045}}},
  };
  return w;
}

const HostCpu kOtherCpu{"GenuineIntel", "Intel(R) Xeon(R) Platinum 8488C", "0x2b000590", 6, 143, 8, 2};

fs::path temporary_file(const std::string& name) {
  return fs::temp_directory_path() / ("kernel-wisdom-test-" + std::to_string(::getpid()) + "-" + name);
}

void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(KernelWisdom, RoundTrips) {
  const KernelWisdom w = sample_wisdom(kOtherCpu);
  const std::string text = format_kernel_wisdom(w);
  const KernelWisdom back = parse_kernel_wisdom(text);
  EXPECT_EQ(back.format, 1);
  EXPECT_EQ(back.cpu, w.cpu);
  EXPECT_EQ(back.ckernel_version, w.ckernel_version);
  EXPECT_EQ(back.measured_at, w.measured_at);
  EXPECT_EQ(back.tuning, w.tuning);
  EXPECT_TRUE(back.weights_on_hugepages);
  EXPECT_EQ(back.measurements.rounds, 5);
  EXPECT_EQ(back.measurements.weight_mib, 210.5);
  EXPECT_EQ(back.measurements.hugepages_note, w.measurements.hugepages_note);
  EXPECT_EQ(back.measurements.note, w.measurements.note);
  ASSERT_EQ(back.measurements.parameters.size(), 2u);
  EXPECT_EQ(back.measurements.parameters[1].chosen, "t1");
  EXPECT_EQ(back.measurements.parameters[0].candidates[1].gbs_threads, 21.5);
  // Written again, the same text: nothing is lost or reordered.
  EXPECT_EQ(format_kernel_wisdom(back), text);
  // One member per line at the top, for people reading it.
  EXPECT_NE(text.find("\n  \"tuning\": {"), std::string::npos) << text;
}

TEST(KernelWisdom, UnsetIsaIsNull) {
  KernelWisdom w = sample_wisdom(kOtherCpu);
  w.tuning.isa.reset();
  const std::string text = format_kernel_wisdom(w);
  EXPECT_NE(text.find("\"isa\": null"), std::string::npos) << text;
  EXPECT_EQ(parse_kernel_wisdom(text).tuning.isa, std::nullopt);
}

// Each bad document: the text of a good one with one piece replaced, and what the error must say.
struct BadDocument {
  std::string what;
  std::string from;  // replaced in the good document ("" with `to` empty: the whole text is `whole`)
  std::string to;
  std::string expected;
};

TEST(KernelWisdom, RefusesBadDocumentsNamingTheMember) {
  const std::string good = format_kernel_wisdom(sample_wisdom(kOtherCpu));
  const std::vector<BadDocument> cases = {
      {"not a multiple of a line", "\"prefetch_distance\": 16384", "\"prefetch_distance\": 100",
       "kernel wisdom: tuning.prefetch_distance: must be a multiple of 64, not 100"},
      {"distance too far", "\"prefetch_distance\": 16384", "\"prefetch_distance\": 2097152",
       "kernel wisdom: tuning.prefetch_distance: must be at most 1048576"},
      {"huge distance", "\"prefetch_distance\": 16384", "\"prefetch_distance\": 18446744073709551552",
       "kernel wisdom: tuning.prefetch_distance: must be at most"},
      {"distance beyond any integer", "\"prefetch_distance\": 16384", "\"prefetch_distance\": 1e300",
       "kernel wisdom: tuning.prefetch_distance: must be an integer of 0 or more, not 1e+300"},
      {"negative distance", "\"prefetch_distance\": 16384", "\"prefetch_distance\": -64",
       "kernel wisdom: tuning.prefetch_distance: must be an integer of 0 or more, not -64"},
      {"negative spin", "\"spin_us\": 500", "\"spin_us\": -5",
       "kernel wisdom: tuning.spin_us: must be 0 to 100000"},
      {"huge spin", "\"spin_us\": 500", "\"spin_us\": 9223372036854775807",
       "kernel wisdom: tuning.spin_us: must be 0 to 100000"},
      {"fractional spin", "\"spin_us\": 500", "\"spin_us\": 1.5",
       "kernel wisdom: tuning.spin_us: must be an integer"},
      {"spin as text", "\"spin_us\": 500", "\"spin_us\": \"500\"",
       "kernel wisdom: tuning.spin_us: must be an integer"},
      {"decode tile rows not compiled", "\"decode_tile_rows\": 8", "\"decode_tile_rows\": 6",
       "kernel wisdom: tuning.decode_tile_rows: must be 0 (each kernel's own), 2, 4 or 8, not 6"},
      {"decode tile rows past an int", "\"decode_tile_rows\": 8", "\"decode_tile_rows\": 4294967298",
       "kernel wisdom: tuning.decode_tile_rows: must be from -2147483648 to 2147483647, not 4294967298"},
      {"unknown hint", "\"prefetch_hint\": \"t1\"", "\"prefetch_hint\": \"t3\"",
       "kernel wisdom: tuning.prefetch_hint: unknown hint 't3'"},
      {"unknown isa", "\"isa\": \"avx2\"", "\"isa\": \"sse9\"",
       "kernel wisdom: tuning.isa: unknown level 'sse9'"},
      {"isa as number", "\"isa\": \"avx2\"", "\"isa\": 2", "kernel wisdom: tuning.isa: must be a string"},
      {"newer format", "\"format\": 1", "\"format\": 2", "kernel wisdom: format: version 2 is not known"},
      {"format past an int", "\"format\": 1", "\"format\": 4294967297",
       "kernel wisdom: format: version 4294967297 is not known"},
      {"format as text", "\"format\": 1", "\"format\": \"1\"", "kernel wisdom: format: must be an integer"},
      {"missing tuning member", ", \"spin_us\": 500", "", "kernel wisdom: tuning.spin_us: missing"},
      {"missing cpu member", "\"stepping\": 8, ", "", "kernel wisdom: cpu.stepping: missing"},
      {"cpu not an object", "\"cpu\": {", "\"cpu\": \"Xeon\", \"cpu_was\": {",
       "kernel wisdom: cpu: must be an object"},
      {"negative family", "\"family\": 6", "\"family\": -6",
       "kernel wisdom: cpu.family: must be from 0 to 65536"},
      {"no logical cpus", "\"logical_cpus\": 2", "\"logical_cpus\": 0", "kernel wisdom: cpu.logical_cpus"},
      {"hugepages as text", "\"weights_on_hugepages\": true", "\"weights_on_hugepages\": \"yes\"",
       "kernel wisdom: weights_on_hugepages: must be true or false"},
      {"candidate without rate", "\"gbs_n\": 20.25, ", "",
       "kernel wisdom: measurements.parameters[0].candidates[0].gbs_n: missing"},
      {"truncated", "\"measurements\"", "", "kernel wisdom: not JSON"},
      {"a duplicate member", "\"format\": 1,", "\"format\": 1, \"format\": 1,", "kernel wisdom: not JSON"},
  };
  for (const BadDocument& c : cases) {
    std::string text = good;
    const std::size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.what << ": '" << c.from << "' not in\n" << good;
    if (c.what == "truncated")
      text.resize(at);
    else
      text.replace(at, c.from.size(), c.to);
    try {
      parse_kernel_wisdom(text);
      ADD_FAILURE() << c.what << ": accepted";
    } catch (const WisdomError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos)
          << c.what << ": " << e.what() << "\nexpected: " << c.expected;
    }
  }
  for (const std::string& not_wisdom :
       {std::string(), std::string("[]"), std::string("{}"), std::string("null")})
    EXPECT_THROW(parse_kernel_wisdom(not_wisdom), WisdomError) << not_wisdom;
}

TEST(KernelWisdom, ReadsTheFirstProcessorBlockOfCpuinfo) {
  const HostCpu cpu = parse_cpuinfo(
      "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
      "model name\t: AMD EPYC 9R14 96-Core Processor\nstepping\t: 1\nmicrocode\t: 0xa101148\n\n"
      "processor\t: 1\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 99\n"
      "model name\t: something else\nstepping\t: 7\n\n");
  EXPECT_EQ(cpu, (HostCpu{"AuthenticAMD", "AMD EPYC 9R14 96-Core Processor", "0xa101148", 25, 17, 1, 2}));
  EXPECT_EQ(describe(cpu),
            "AMD EPYC 9R14 96-Core Processor (AuthenticAMD family 25 model 17 stepping 1, 2 logical CPUs)");
  const HostCpu here = this_host_cpu();
  EXPECT_FALSE(here.vendor.empty());
  EXPECT_GE(here.logical_cpus, 1);
}

TEST(KernelWisdom, WisdomOfThisCpuIsUsed) {
  HostCpu cpu = this_host_cpu();
  cpu.microcode = "0xdifferent";  // reported, not matched
  KernelWisdom w = sample_wisdom(cpu);
  w.ckernel_version = "0.0.1";
  const fs::path path = temporary_file("this-cpu.json");
  write(path, format_kernel_wisdom(w));
  const WisdomUse use = load_kernel_wisdom(path);
  fs::remove(path);
  EXPECT_EQ(use.source, WisdomUse::Source::wisdom) << use.reason;
  ASSERT_TRUE(use.wisdom);
  EXPECT_EQ(use.tuning(), w.tuning);
  EXPECT_NE(use.reason.find("microcode 0xdifferent"), std::string::npos) << use.reason;
  EXPECT_NE(use.reason.find("measured by ckernel 0.0.1"), std::string::npos) << use.reason;
  EXPECT_NE(describe(use).find("prefetch 16384 B t1, spin 500 us, decode tile rows 8, isa avx2"),
            std::string::npos)
      << describe(use);
}

TEST(KernelWisdom, WisdomOfAnotherCpuGivesTheDefaults) {
  HostCpu other = this_host_cpu();
  other.logical_cpus += 1;  // the same model with more CPUs is another host for tuning
  const fs::path path = temporary_file("other-cpu.json");
  write(path, format_kernel_wisdom(sample_wisdom(other)));
  const WisdomUse use = load_kernel_wisdom(path);
  fs::remove(path);
  EXPECT_EQ(use.source, WisdomUse::Source::defaults);
  EXPECT_FALSE(use.wisdom);
  EXPECT_EQ(use.tuning(), kernels::KernelTuning{});
  EXPECT_EQ(use.reason.rfind("measured on another CPU (" + describe(other) + ")", 0), 0u) << use.reason;
  EXPECT_NE(use.reason.find("run 'cktune kernels'"), std::string::npos);
}

TEST(KernelWisdom, MissingBrokenAndDisabledGiveTheDefaults) {
  const fs::path missing = temporary_file("missing.json");
  WisdomUse use = load_kernel_wisdom(missing);
  EXPECT_EQ(use.source, WisdomUse::Source::defaults);
  EXPECT_EQ(use.reason, "no file at " + missing.string() + "; run 'cktune kernels'");

  const fs::path broken = temporary_file("broken.json");
  write(broken, "{\"format\": 1");
  use = load_kernel_wisdom(broken);
  fs::remove(broken);
  EXPECT_EQ(use.source, WisdomUse::Source::defaults);
  EXPECT_EQ(use.reason.rfind("unreadable: kernel wisdom: not JSON", 0), 0u) << use.reason;

  use = load_kernel_wisdom(fs::temp_directory_path());  // a directory
  EXPECT_EQ(use.source, WisdomUse::Source::defaults);
  EXPECT_EQ(use.reason.rfind("unreadable: ", 0), 0u) << use.reason;

  ::setenv("CK_KERNEL_WISDOM", "none", 1);
  EXPECT_EQ(wisdom_path(), fs::path("none"));
  use = load_kernel_wisdom(wisdom_path());
  EXPECT_EQ(use.source, WisdomUse::Source::defaults);
  EXPECT_EQ(use.reason, "disabled by CK_KERNEL_WISDOM=none");
  EXPECT_EQ(describe(use),
            "defaults (disabled by CK_KERNEL_WISDOM=none): prefetch 8192 B nta, spin 100 us, decode tile "
            "rows kernel's, isa best");
  ::setenv("CK_KERNEL_WISDOM", "/elsewhere/wisdom.json", 1);
  EXPECT_EQ(wisdom_path(), fs::path("/elsewhere/wisdom.json"));
  ::unsetenv("CK_KERNEL_WISDOM");
  EXPECT_EQ(wisdom_path(), fs::path("/var/lib/ckernel/kernel-wisdom.json"));
}

}  // namespace
}  // namespace ck
