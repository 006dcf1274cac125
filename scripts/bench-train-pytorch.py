#!/usr/bin/python3
"""PyTorch's side of the training benchmark: training tokens/s of a plain llama on the CPU.

The model and optimizer are the benchmark's shape (n_embd 384, 6 layers, 6 heads, 2 KV heads, head_dim 64,
ffn 1024, vocab 4096, context 256, batch 8, untied output; AdamW lr 3e-4, betas 0.9/0.95, weight decay 0.1
on matrices) and the semantics of tests/train/torch_reference.py, written the usual way with torch.nn
modules. Torch 1.13 has neither F.scaled_dot_product_attention nor a useful torch.compile on the CPU, so
attention is the usual matmul, causal mask and softmax. Tokens/s counts batch * context predicted tokens per
step of forward, backward and optimizer step, over the steps after the warm-up.

    /usr/bin/python3 scripts/bench-train-pytorch.py --threads 2 --warmup 3 --steps 10 --json

Use /usr/bin/python3: Debian's python3-torch is installed for it, not for a pyenv or venv python3.
"""
import argparse
import os
import sys


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads (torch, OpenMP and OpenBLAS)")
    ap.add_argument("--steps", type=int, default=10, help="timed training steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    return ap.parse_args()


ARGS = parse_args()

# OpenMP and OpenBLAS read their thread counts once, when torch loads them; torch.set_num_threads alone
# leaves OpenBLAS at its default (every core). So the variables must be in the environment before the
# import: if they are not what --threads asks, run this script again with them set.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
if any(os.environ.get(v) != str(ARGS.threads) for v in _THREAD_VARS):
    os.environ.update({v: str(ARGS.threads) for v in _THREAD_VARS})
    os.execv(sys.executable, [sys.executable] + sys.argv)

import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sysconfig  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SHAPE = dict(n_vocab=4096, n_embd=384, n_layer=6, n_head=6, n_head_kv=2, head_dim=64, n_ff=1024,
             context=256, batch=8, rope_freq_base=10000.0, rms_eps=1e-5)
ADAMW = dict(lr=3e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)


class RMSNorm(nn.Module):  # torch 1.13 has no nn.RMSNorm
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_cos_sin(head_dim, n_pos, base):
    inv_freq = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    angle = torch.arange(n_pos, dtype=torch.float64)[:, None] * inv_freq[None, :]
    return angle.cos().float(), angle.sin().float()  # [T, head_dim / 2]


def rope(x, cos, sin):
    """llama's RoPE on x [B, H, T, hd]: adjacent pairs (2i, 2i + 1) turn by position * inv_freq[i]."""
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack([a * cos - b * sin, a * sin + b * cos], -1).flatten(-2)


class Attention(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s
        self.wq = nn.Linear(s["n_embd"], s["n_head"] * s["head_dim"], bias=False)
        self.wk = nn.Linear(s["n_embd"], s["n_head_kv"] * s["head_dim"], bias=False)
        self.wv = nn.Linear(s["n_embd"], s["n_head_kv"] * s["head_dim"], bias=False)
        self.wo = nn.Linear(s["n_head"] * s["head_dim"], s["n_embd"], bias=False)

    def forward(self, x, cos, sin, mask):
        s, (B, T, _) = self.s, x.shape
        q = self.wq(x).view(B, T, s["n_head"], s["head_dim"]).transpose(1, 2)
        k = self.wk(x).view(B, T, s["n_head_kv"], s["head_dim"]).transpose(1, 2)
        v = self.wv(x).view(B, T, s["n_head_kv"], s["head_dim"]).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        group = s["n_head"] // s["n_head_kv"]  # query head h reads kv head h // group
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(s["head_dim"])
        att = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
        return self.wo((att @ v).transpose(1, 2).reshape(B, T, -1))


class FeedForward(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.gate = nn.Linear(s["n_embd"], s["n_ff"], bias=False)
        self.up = nn.Linear(s["n_embd"], s["n_ff"], bias=False)
        self.down = nn.Linear(s["n_ff"], s["n_embd"], bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.attn_norm, self.attn = RMSNorm(s["n_embd"], s["rms_eps"]), Attention(s)
        self.ffn_norm, self.ffn = RMSNorm(s["n_embd"], s["rms_eps"]), FeedForward(s)

    def forward(self, x, cos, sin, mask):
        x = x + self.attn(self.attn_norm(x), cos, sin, mask)
        return x + self.ffn(self.ffn_norm(x))


class Llama(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.tok_embd = nn.Embedding(s["n_vocab"], s["n_embd"])
        self.blocks = nn.ModuleList(Block(s) for _ in range(s["n_layer"]))
        self.out_norm = RMSNorm(s["n_embd"], s["rms_eps"])
        self.output = nn.Linear(s["n_embd"], s["n_vocab"], bias=False)
        cos, sin = rope_cos_sin(s["head_dim"], s["context"], s["rope_freq_base"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        mask = torch.ones(s["context"], s["context"], dtype=torch.bool).triu(1)
        self.register_buffer("mask", mask, persistent=False)
        # GPT-2's initialisation: normal(0, 0.02), residual projections scaled by 1/sqrt(2 * layers).
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * s["n_layer"]) if name.endswith(("wo.weight", "down.weight")) else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, tokens):
        T = tokens.shape[1]
        x = self.tok_embd(tokens)
        for block in self.blocks:
            x = block(x, self.cos[:T], self.sin[:T], self.mask[:T, :T])
        return self.output(self.out_norm(x))


def blas_info():
    """Which BLAS torch was built for and which one is actually loaded."""
    config = torch.__config__.show()
    built = re.search(r"BLAS_INFO=([^,\s]+)", config)
    multiarch = sysconfig.get_config_var("MULTIARCH") or f"{platform.machine()}-linux-gnu"
    alternative = f"/usr/lib/{multiarch}/libblas.so.3"  # Debian's update-alternatives link
    with open("/proc/self/maps") as f:
        loaded = sorted({line.split()[-1] for line in f if re.search(r"blas|lapack|mkl", line.split()[-1])})
    return {"built_with": built.group(1) if built else None,
            "libblas.so.3": os.path.realpath(alternative) if os.path.exists(alternative) else None,
            "loaded": loaded,
            "torch_config": config}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    s = SHAPE
    model = Llama(s)
    params = list(model.parameters())
    # Weight decay on matrices and embeddings only, as in the reference tests.
    opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() == 2]},
                             {"params": [p for p in params if p.dim() != 2], "weight_decay": 0.0}], **ADAMW)
    # A few random batches, cycled: the data does not change the amount of work.
    data = torch.randint(0, s["n_vocab"], (4, s["batch"], s["context"] + 1))

    step_seconds, losses = [], []
    for step in range(ARGS.warmup + ARGS.steps):
        batch = data[step % len(data)]
        t0 = time.perf_counter()
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, s["n_vocab"]), batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        elapsed = time.perf_counter() - t0
        losses.append(loss.item())
        if step >= ARGS.warmup:
            step_seconds.append(elapsed)

    tokens_per_step = s["batch"] * s["context"]
    result = {
        "engine": "pytorch",
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "thread_env": {v: os.environ.get(v) for v in _THREAD_VARS},
        "cpu": cpu_model(),
        "shape": s,
        "adamw": ADAMW,
        "n_params": sum(p.numel() for p in params),
        "warmup_steps": ARGS.warmup,
        "steps": ARGS.steps,
        "tokens_per_step": tokens_per_step,
        "tokens_per_s": tokens_per_step * len(step_seconds) / sum(step_seconds),
        "step_ms_median": 1e3 * statistics.median(step_seconds),
        "step_ms_min": 1e3 * min(step_seconds),
        "loss_first": losses[0],
        "loss_last": losses[-1],
        "blas": blas_info(),
    }
    if ARGS.json:
        print(json.dumps(result, indent=2))
    else:
        b = result["blas"]
        print(f"torch {result['torch_version']}, {result['threads']} threads, {result['cpu']}")
        print(f"BLAS: built {b['built_with']}, libblas.so.3 -> {b['libblas.so.3']}, loaded {b['loaded']}")
        print(f"{result['n_params'] / 1e6:.2f}M parameters, {tokens_per_step} tokens/step, "
              f"{ARGS.warmup} warm-up + {ARGS.steps} timed steps")
        print(f"{result['tokens_per_s']:.0f} tokens/s (step median {result['step_ms_median']:.0f} ms, "
              f"min {result['step_ms_min']:.0f} ms); loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
