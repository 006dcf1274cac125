#!/usr/bin/env python3
"""cktrain end to end: init, run, eval and ckrun on the result; exact resume after a kill -9; the same bits
for any thread count; bad input refused with a named error and nothing lost.

The text is generated here from a tiny seeded grammar (so the test needs no corpus and the loss has
something to learn); the vocabulary is the tiny llama test model's (SentencePiece, 32000 tokens)."""
import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None
SHAPE = ["--embd", "32", "--layers", "2", "--heads", "4", "--kv-heads", "2", "--ffn", "64", "--context", "32"]
RUN = ["--batch", "4", "--context", "32", "--lr", "3e-3", "--warmup", "4", "--val-fraction", "0.1"]


def english_like_text(seed, sentences):
    rng = random.Random(seed)
    subjects = ["the cat", "a small dog", "my old friend", "the teacher", "her brother", "the farmer"]
    verbs = ["sees", "likes", "finds", "carries", "remembers", "paints"]
    objects = ["the red house", "a green apple", "the long road", "an open window", "the quiet river"]
    endings = ["in the morning", "after dinner", "every day", "near the school", "with great care"]
    out = []
    for _ in range(sentences):
        s = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} {rng.choice(endings)}."
        out.append(s[0].upper() + s[1:])
    return " ".join(out) + "\n"


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Cktrain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="cktrain-test-")
        cls.data = os.path.join(cls.dir, "text")
        os.mkdir(cls.data)
        for i in range(3):
            with open(os.path.join(cls.data, f"doc{i}.txt"), "w") as f:
                f.write(english_like_text(i, 120))
        cls.model = os.path.join(cls.dir, "init.gguf")
        cls.cktrain(["init", "--vocab", ARGS.vocab, *SHAPE, "--seed", "3", "-o", cls.model])

    @classmethod
    def cktrain(cls, args, expect_ok=True, timeout=300):
        p = subprocess.run([ARGS.cktrain, *args], capture_output=True, text=True, timeout=timeout)
        if expect_ok and p.returncode != 0:
            raise AssertionError(f"cktrain {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
        return p

    def run_training(self, out, steps, *extra, threads=2):
        return self.cktrain(["run", self.model, "--data", self.data, "-o", out, "--steps", str(steps), *RUN,
                             "-t", str(threads), *extra])

    def test_trains_validates_and_the_result_generates(self):
        out = os.path.join(self.dir, "trained.gguf")
        log = os.path.join(self.dir, "trained.jsonl")
        self.run_training(out, 40, "--val-every", "10", "--checkpoint-every", "20", "--json-log", log)
        with open(log) as f:
            lines = [json.loads(l) for l in f]
        steps = [l for l in lines if "loss" in l]
        self.assertEqual([s["step"] for s in steps], list(range(1, 41)))
        for s in steps:
            for key in ("step", "loss", "lr", "grad_norm", "tokens", "seconds"):
                self.assertIn(key, s)
            self.assertEqual(s["tokens"], 4 * 32)
        vals = [l["val_loss"] for l in lines if "val_loss" in l]
        self.assertEqual(len(vals), 4)
        self.assertLess(vals[-1], vals[0] - 1.0, f"validation loss should fall: {vals}")
        self.assertTrue(os.path.exists(out) and os.path.exists(out.replace(".gguf", ".train.gguf")))
        # The checkpoint is a model: ckrun loads it and generates.
        p = subprocess.run([ARGS.ckrun, "-m", out, "-p", "The cat", "-n", "8", "--temp", "0", "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(json.loads(p.stdout)["steps"]), 8)
        # Export for serving goes through ckquantize; the quantized model generates too.
        quantized = os.path.join(self.dir, "trained-Q8_0.gguf")
        p = subprocess.run([ARGS.ckquantize, out, quantized, "Q8_0"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([ARGS.ckrun, "-m", quantized, "-p", "The cat", "-n", "8", "--temp", "0", "--json"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        # cktrain eval agrees that the trained model is better than the initial one on this text.
        evals = [json.loads(self.cktrain(["eval", m, "--data", self.data, "--context", "32", "--json"]).stdout)
                 for m in (self.model, out)]
        self.assertLess(evals[1]["loss"], evals[0]["loss"] - 1.0)

    def test_results_do_not_depend_on_the_thread_count(self):
        outs = [os.path.join(self.dir, f"threads{t}.gguf") for t in (1, 2, 3)]
        for t, out in zip((1, 2, 3), outs):
            self.run_training(out, 6, threads=t)
        self.assertEqual(len({digest(o) for o in outs}), 1, "weights differ between thread counts")

    def test_resume_after_kill_continues_bit_for_bit(self):
        straight = os.path.join(self.dir, "straight.gguf")
        self.run_training(straight, 24, "--checkpoint-every", "8")
        killed = os.path.join(self.dir, "killed.gguf")
        log = os.path.join(self.dir, "killed.jsonl")
        p = subprocess.Popen([ARGS.cktrain, "run", self.model, "--data", self.data, "-o", killed, "--steps", "24",
                              *RUN, "-t", "2", "--checkpoint-every", "8", "--json-log", log],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline:
            if os.path.exists(log):
                with open(log) as f:
                    if '"checkpoint"' in f.read():
                        break
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
        self.assertTrue(os.path.exists(killed.replace(".gguf", ".train.gguf")), "no checkpoint before the kill")
        self.cktrain(["run", "--resume", killed.replace(".gguf", ".train.gguf"), "--data", self.data, "-o", killed,
                      "-t", "1"])
        self.assertEqual(digest(killed), digest(straight), "a resumed run must equal an uninterrupted one")

    def expect_refused(self, args, *phrases):
        p = self.cktrain(args, expect_ok=False, timeout=60)
        self.assertEqual(p.returncode, 1, f"cktrain {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
        for phrase in phrases:
            self.assertIn(phrase, p.stderr)
        return p

    def test_bad_input_is_refused_by_name_and_loses_nothing(self):
        out = os.path.join(self.dir, "keep.gguf")
        self.run_training(out, 3)
        before = (digest(out), digest(out.replace(".gguf", ".train.gguf")))
        bad = os.path.join(self.dir, "bad")
        os.mkdir(bad)
        empty = os.path.join(bad, "empty.txt")
        open(empty, "w").close()
        short = os.path.join(bad, "short.txt")
        with open(short, "w") as f:
            f.write("Too short.")
        latin1 = os.path.join(bad, "latin1.txt")
        with open(latin1, "wb") as f:
            f.write(b"caf\xe9 au lait\n")
        fifo = os.path.join(bad, "fifo")
        os.mkfifo(fifo)
        run = ["run", self.model, "-o", out, "--steps", "3", *RUN]
        self.expect_refused([*run, "--data", empty], "empty")
        self.expect_refused([*run, "--data", short], "window")
        self.expect_refused([*run, "--data", latin1], "latin1.txt", "UTF-8", "offset 3")
        self.expect_refused([*run, "--data", fifo], "fifo")
        self.expect_refused(["run", self.model, "-o", out, "--steps", "3", "--data", self.data, "--context", "64"],
                            "longer than the model's context")
        self.expect_refused(["run", ARGS.vocab, "-o", out, "--data", self.data, "--context", "32"],
                            "Q4_K", "unquantized")
        other = os.path.join(self.dir, "other.gguf")
        self.cktrain(["init", "--vocab", ARGS.vocab, "--embd", "64", "--layers", "1", "--heads", "4", "--kv-heads",
                      "4", "--ffn", "64", "--context", "32", "-o", other])
        self.expect_refused(["run", other, "--resume", out.replace(".gguf", ".train.gguf"), "--data", self.data,
                             "-o", out], "another model")
        # A loss that diverges stops the run with the step named; the last checkpoint stays.
        self.expect_refused(["run", "--resume", out.replace(".gguf", ".train.gguf"), "--data", self.data, "-o", out,
                             "--steps", "50", "--lr", "1e12", "--clip", "0", "--warmup", "0"], "at step")
        self.assertEqual((digest(out), digest(out.replace(".gguf", ".train.gguf"))), before,
                         "a refused run must leave the checkpoint as it was")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cktrain", required=True)
    parser.add_argument("--ckrun", required=True)
    parser.add_argument("--ckquantize", required=True)
    parser.add_argument("--vocab", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
