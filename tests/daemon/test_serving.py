"""Serving end to end: tenants, a model loaded twice with one copy of its weights, generation through
ckctl that matches ckrun token for token, workers confined to their tenant's slice, concurrent clients."""

import concurrent.futures
import os
import pathlib
import time
import unittest

import harness
from harness import DaemonTestCase, ckrun, hugepage_counts

PROMPT = "Once upon a time"
TOKENS = "16"


class Serving(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reference = ckrun("-m", harness.TOOLS["model"], "-p", PROMPT, "-n", TOKENS, "--temp", "0", "-t", "1")
        assert cls.reference.code == 0, cls.reference
        cls.load_seconds = {}

    def load(self, tenant):
        start = time.monotonic()
        result = self.ok("load", tenant, harness.TOOLS["model"])
        self.load_seconds[tenant] = time.monotonic() - start
        return result

    def test_1_tenants_are_created(self):
        self.ok("tenant", "create", "alpha", "--cpus", "0", "--mems", "0", "--memory", "1G")
        self.ok("tenant", "create", "beta", "--cpus", "1", "--memory", "1GiB")
        tenants = {t["name"]: t for t in self.status()["tenants"]}
        self.assertEqual(sorted(tenants), ["alpha", "beta"])
        self.assertEqual(tenants["alpha"]["cpus"], "0")
        self.assertEqual(tenants["beta"]["memory_limit"], 1 << 30)
        listing = self.ok("tenant", "list").out
        self.assertIn("alpha", listing)
        self.assertIn("beta", listing)

    def test_2_model_loads_into_hugepages(self):
        before = hugepage_counts()
        result = self.load("alpha")
        self.assertIn(f"loaded {harness.model_name()} into tenant alpha", result.out)
        model = self.model_status("alpha", harness.model_name())
        self.assertEqual(model["state"], "ready")
        self.assertGreater(model["worker_pid"], 0)
        self.assertEqual(model["path"], harness.TOOLS["model"])
        self.assertIn("hugetlbfs", model["placement"])
        # Pages are reserved for this model, sized to it: the pool grew by them and they are in use.
        pages = -(-os.path.getsize(harness.TOOLS["model"]) // (2 << 20))
        after = hugepage_counts()
        self.assertEqual(after["HugePages_Total"] - before["HugePages_Total"], pages, "reserved per model")
        self.assertEqual((after["HugePages_Total"] - after["HugePages_Free"]) -
                         (before["HugePages_Total"] - before["HugePages_Free"]), pages, "the weights took no huge pages")
        self.assertEqual(self.status()["host"]["hugepages"]["reserved"], pages)

    def test_2b_unload_gives_the_pages_back(self):
        before = hugepage_counts()
        self.ok("load", "alpha", harness.TOOLS["model"], "--name", "second", "--threads", "1")
        self.assertEqual(hugepage_counts(), before, "a second load of the same file shares its copy")
        self.ok("unload", "alpha", "second")
        self.ok("unload", "alpha", harness.model_name())
        after = hugepage_counts()
        pages = -(-os.path.getsize(harness.TOOLS["model"]) // (2 << 20))
        self.assertEqual(before["HugePages_Total"] - after["HugePages_Total"], pages, "pages not given back")
        self.assertEqual(self.status()["host"]["hugepages"]["reserved"], 0)
        self.load("alpha")

    def test_3_generate_matches_ckrun(self):
        result = self.ok("generate", "alpha", harness.model_name(), PROMPT, "-n", TOKENS, "--temp", "0")
        self.assertEqual(result.out, self.reference.out)
        self.assertIn("generated 16 tokens", result.err)
        as_json = self.ok("generate", "alpha", harness.model_name(), PROMPT, "-n", TOKENS, "--temp", "0", "--json").json()
        self.assertEqual(as_json["text"] + "\n", self.reference.out)
        self.assertEqual(as_json["stats"]["generated_tokens"], 16)
        self.assertEqual(as_json["stats"]["stop"], "length")

    def test_4_worker_runs_in_its_tenant_slice(self):
        model = self.model_status("alpha", harness.model_name())
        pid = model["worker_pid"]
        tenant = next(t for t in self.status()["tenants"] if t["name"] == "alpha")
        cgroups = pathlib.Path(f"/proc/{pid}/cgroup").read_text()
        self.assertIn(self.cgroup_parent, cgroups)
        self.assertIn(tenant["cgroup"], cgroups)
        proc_status = pathlib.Path(f"/proc/{pid}/status").read_text()
        self.assertIn("Cpus_allowed_list:\t0\n", proc_status)

    def test_5_second_tenant_shares_the_weights(self):
        free_before = hugepage_counts()["HugePages_Free"]
        self.load("beta")
        self.assertEqual(hugepage_counts()["HugePages_Free"], free_before, "a second copy of the weights")
        first = self.model_status("alpha", harness.model_name())
        second = self.model_status("beta", harness.model_name())
        self.assertIn("shared", second["placement"])
        self.assertNotEqual(first["worker_pid"], second["worker_pid"])
        print(f"load seconds: first {self.load_seconds['alpha']:.3f}, shared {self.load_seconds['beta']:.3f}")
        result = self.ok("generate", "beta", harness.model_name(), PROMPT, "-n", TOKENS, "--temp", "0")
        self.assertEqual(result.out, self.reference.out)

    def test_6_sixteen_concurrent_clients(self):
        def generate(i):
            return self.ckctl("generate", ("alpha", "beta")[i % 2], harness.model_name(), PROMPT, "-n", TOKENS, "--temp", "0")

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(generate, range(16)))
        for i, result in enumerate(results):
            self.assertEqual(result.code, 0, f"client {i}: {result}")
            self.assertEqual(result.out, self.reference.out, f"client {i}")

    def test_7_status_text_and_unload(self):
        text = self.ok("status").out
        self.assertIn("tenant alpha: cpus 0", text)
        self.assertIn(f"model {harness.model_name()}: ready", text)
        self.ok("unload", "beta", harness.model_name())
        self.assertEqual(next(t for t in self.status()["tenants"] if t["name"] == "beta")["models"], [])
        self.ok("tenant", "remove", "beta")
        self.ok("tenant", "remove", "alpha")
        self.assertEqual(self.status()["tenants"], [])

    def test_8_text_that_is_not_utf8_still_gets_a_reply(self):
        # D-Bus strings must be UTF-8, but tokens are bytes: greedy tiny-qwen2 on this prompt ends in a
        # piece that splits a multi-byte character. The client must still get its text, as valid UTF-8.
        qwen = str(pathlib.Path(harness.TOOLS["model"]).with_name("tiny-qwen2-Q4_K_M.gguf"))
        reference = ckrun("-m", qwen, "-p", PROMPT, "-n", "32", "--temp", "0", "-t", "1")
        self.ok("tenant", "create", "eta", "--cpus", "0", "--memory", "1G")
        self.ok("load", "eta", qwen, "--name", "qwen")
        result = self.ok("generate", "eta", "qwen", PROMPT, "-n", "32", "--temp", "0", timeout=20)
        self.assertIn("\ufffd", reference.out, "the reproducer no longer produces a split character")
        self.assertTrue(result.out.startswith(reference.out.split("\ufffd")[0]), result)
        self.ok("tenant", "remove", "eta")


class ShippedModels(DaemonTestCase):
    """A model path without '/' names a model the package ships: ckd loads it from its models-dir (here
    the test model's directory, which plays /usr/share/ckernel/models) and keeps the resolved path."""

    @classmethod
    def setUpClass(cls):
        cls.EXTRA_ARGS = ("--models-dir", str(pathlib.Path(harness.TOOLS["model"]).parent))
        super().setUpClass()

    def test_load_by_name(self):
        self.ok("tenant", "create", "theta", "--cpus", "0", "--memory", "1G")
        name = harness.model_name()
        self.ok("load", "theta", name)
        model = self.model_status("theta", name)
        self.assertEqual(model["path"], harness.TOOLS["model"])
        self.assertEqual(model["state"], "ready")
        missing = self.ckctl("load", "theta", "no-such-model")
        self.assertNotEqual(missing.code, 0)
        self.assertIn(str(pathlib.Path(harness.TOOLS["model"]).parent / "no-such-model.gguf"), missing.err)
        self.ok("tenant", "remove", "theta")


if __name__ == "__main__":
    harness.main()
