#!/usr/bin/python3
"""Reference states for ckernel's fp32 training engine, computed by PyTorch.

For each tiny llama/qwen2 configuration below this writes one GGUF file holding the initial weights, a
fixed batch of tokens, and what PyTorch computes from them twice, in float64 (`ref64.*`) and in float32
(`ref32.*`): the logits, the loss, every parameter's gradient, the losses of 10 AdamW steps on that batch
and the weights after them. The C++ tests compare ckernel against ref64; how far ref32 is from ref64 says
how much fp32 rounding alone moves each result, which is what their tolerances are derived from.

One float32 run is one sample of that rounding: where a result is ill-conditioned it may land unusually
close to float64 by luck. So the file also holds, per result, the errors of an ensemble of float32 runs
(`ens32.*`) on permuted copies of the model: the hidden, feed-forward, head and vocabulary axes and the
batch rows reordered, which computes the same function with other summation orders (see `permuted`).

    /usr/bin/python3 tests/train/torch_reference.py --out tests/data/train
    /usr/bin/python3 tests/train/torch_reference.py --out BUILD_DIR --check tests/data/train   # ctest

The model is written out step by step, without torch.nn modules, so that it can be read against the
engine's kernels. Exit code 77 (ctest's skip) when torch cannot be imported.
"""
import os

# One thread for OpenMP and OpenBLAS, set before torch loads them: the files must be reproducible bit for
# bit, and the host is shared.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import dataclasses
import math
import sys
from pathlib import Path

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print(f"SKIP: {sys.executable} cannot import torch/numpy ({e}); on Debian: apt install python3-torch",
          file=sys.stderr)
    sys.exit(77)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gguf_writer as gg  # noqa: E402

BATCH, SEQ = 2, 8
STEPS = 10
ENSEMBLE = 16  # permuted float32 runs per configuration (ens32.*)
INIT_STD = 0.3  # GPT-2's 0.02 would make these tiny models' gradients tiny; 0.3 keeps them O(1e-2..1)
ADAMW = dict(lr=1e-2, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1)


@dataclasses.dataclass(frozen=True)
class Config:
    name: str
    arch: str  # "llama" or "qwen2"; qwen2 means q/k/v biases and NeoX RoPE
    n_head: int
    n_head_kv: int
    n_ff: int
    tied: bool
    seed: int
    head_dim: int = 8
    rope_n_dims: int = 0  # 0: the whole head
    freq_base: float = 10000.0
    n_vocab: int = 64
    n_embd: int = 32
    n_layer: int = 2
    rms_eps: float = 1e-5

    @property
    def neox(self):
        return self.arch == "qwen2"

    @property
    def n_rot(self):
        return self.rope_n_dims or self.head_dim


CONFIGS = [
    Config("llama-gqa", "llama", n_head=4, n_head_kv=2, n_ff=64, tied=False, seed=1001),
    Config("llama-tied", "llama", n_head=4, n_head_kv=4, n_ff=48, tied=True, seed=1002),
    Config("qwen2-gqa", "qwen2", n_head=4, n_head_kv=1, n_ff=48, tied=False, seed=1003, freq_base=1e6),
    Config("qwen2-tied", "qwen2", n_head=2, n_head_kv=2, n_ff=40, tied=True, seed=1004, head_dim=16),
    Config("llama-partial-rope", "llama", n_head=4, n_head_kv=2, n_ff=40, tied=False, seed=1005,
           rope_n_dims=4),
]


# ---- parameters ----

def param_shapes(c):
    """GGUF names and torch shapes ([rows, cols] = GGUF ne [cols, rows]), in file order."""
    D, q, kv = c.n_embd, c.n_head * c.head_dim, c.n_head_kv * c.head_dim
    shapes = {"token_embd.weight": (c.n_vocab, D)}
    for i in range(c.n_layer):
        p = f"blk.{i}."
        shapes[p + "attn_norm.weight"] = (D,)
        shapes[p + "attn_q.weight"] = (q, D)
        shapes[p + "attn_k.weight"] = (kv, D)
        shapes[p + "attn_v.weight"] = (kv, D)
        if c.arch == "qwen2":
            shapes[p + "attn_q.bias"] = (q,)
            shapes[p + "attn_k.bias"] = (kv,)
            shapes[p + "attn_v.bias"] = (kv,)
        shapes[p + "attn_output.weight"] = (D, q)
        shapes[p + "ffn_norm.weight"] = (D,)
        shapes[p + "ffn_gate.weight"] = (c.n_ff, D)
        shapes[p + "ffn_up.weight"] = (c.n_ff, D)
        shapes[p + "ffn_down.weight"] = (D, c.n_ff)
    shapes["output_norm.weight"] = (D,)
    if not c.tied:
        shapes["output.weight"] = (c.n_vocab, D)
    return shapes


def init_params(c, gen):
    """float32 initial weights, drawn in file order from one seeded generator."""
    params = {}
    for name, shape in param_shapes(c).items():
        if name.endswith("_norm.weight"):
            t = 1.0 + 0.1 * torch.randn(shape, generator=gen)  # not exactly 1: their gradients must matter
        elif name.endswith(".bias"):
            t = 0.1 * torch.randn(shape, generator=gen)
        else:
            t = INIT_STD * torch.randn(shape, generator=gen)
            if name.endswith(("attn_output.weight", "ffn_down.weight")):
                t = t / math.sqrt(2 * c.n_layer)  # the residual projections, as GPT-2 scales them
        params[name] = t.float()
    return params


# ---- the model ----

def rms_norm(x, w, eps):
    return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def linear(x, w, b=None):
    y = x @ w.t()
    return y if b is None else y + b


def rope_cos_sin(c, n_pos, dtype):
    # Angles in float64 rounded once to the compute type, as ckernel's rope_table does: the float32 run then
    # differs from the float64 one by arithmetic alone, not by a cruder angle.
    i = torch.arange(c.n_rot // 2, dtype=torch.float64)
    inv_freq = c.freq_base ** (-2.0 * i / c.n_rot)
    angle = torch.arange(n_pos, dtype=torch.float64)[:, None] * inv_freq[None, :]  # [T, n_rot/2]
    return angle.cos().to(dtype), angle.sin().to(dtype)


def rope(x, cos, sin, c):
    """x: [B, T, heads, head_dim]; rotates pairs of the first n_rot dims, leaves the rest."""
    n = c.n_rot
    rot, rest = x[..., :n], x[..., n:]
    if c.neox:  # pairs (i, i + n/2)
        a, b = rot[..., : n // 2], rot[..., n // 2:]
    else:       # pairs (2i, 2i + 1)
        a, b = rot[..., 0::2], rot[..., 1::2]
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    ra, rb = a * cos - b * sin, a * sin + b * cos
    rot = torch.cat([ra, rb], -1) if c.neox else torch.stack([ra, rb], -1).flatten(-2)
    return torch.cat([rot, rest], -1)


def attention(q, k, v, c):
    """q: [B, T, H, hd]; k, v: [B, T, Hkv, hd]. Causal, grouped-query (query head h uses kv head h // group)."""
    B, T = q.shape[:2]
    group = c.n_head // c.n_head_kv
    k, v = k.repeat_interleave(group, dim=2), v.repeat_interleave(group, dim=2)
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # [B, H, T, hd]
    scores = q @ k.transpose(-1, -2) / math.sqrt(c.head_dim)
    future = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = scores.masked_fill(future, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return out.transpose(1, 2).reshape(B, T, c.n_head * c.head_dim)


def forward(p, tokens, c):
    """tokens: [B, T] -> logits [B, T, V]."""
    B, T = tokens.shape
    cos, sin = rope_cos_sin(c, T, p["token_embd.weight"].dtype)
    x = p["token_embd.weight"][tokens]
    for i in range(c.n_layer):
        L = lambda name: p.get(f"blk.{i}.{name}")  # noqa: E731 (None for the biases llama lacks)
        n = rms_norm(x, L("attn_norm.weight"), c.rms_eps)
        q = linear(n, L("attn_q.weight"), L("attn_q.bias")).view(B, T, c.n_head, c.head_dim)
        k = linear(n, L("attn_k.weight"), L("attn_k.bias")).view(B, T, c.n_head_kv, c.head_dim)
        v = linear(n, L("attn_v.weight"), L("attn_v.bias")).view(B, T, c.n_head_kv, c.head_dim)
        q, k = rope(q, cos, sin, c), rope(k, cos, sin, c)
        x = x + linear(attention(q, k, v, c), L("attn_output.weight"))
        n = rms_norm(x, L("ffn_norm.weight"), c.rms_eps)
        h = F.silu(linear(n, L("ffn_gate.weight"))) * linear(n, L("ffn_up.weight"))
        x = x + linear(h, L("ffn_down.weight"))
    out_w = p["token_embd.weight"] if c.tied else p["output.weight"]
    return linear(rms_norm(x, p["output_norm.weight"], c.rms_eps), out_w)


def loss_of(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))  # mean over B*T


# ---- one reference run ----

def train(c, init, tokens, dtype):
    """From the float32 initial weights, in `dtype`: the first step's logits, loss and gradients, the loss
    before each of STEPS AdamW updates on the same batch, and the weights after them."""
    p = {n: t.to(dtype).clone().requires_grad_() for n, t in init.items()}
    inputs, targets = tokens[:, :-1], tokens[:, 1:].long()
    # Weight decay on matrices and embeddings only, as is usual; never on norms or biases.
    opt = torch.optim.AdamW(
        [{"params": [t for t in p.values() if t.dim() == 2], "weight_decay": ADAMW["weight_decay"]},
         {"params": [t for t in p.values() if t.dim() != 2], "weight_decay": 0.0}],
        lr=ADAMW["lr"], betas=(ADAMW["beta1"], ADAMW["beta2"]), eps=ADAMW["eps"],
        foreach=False)  # the single-tensor path, which ckernel's adamw_update mirrors
    out = {}
    losses = []
    for step in range(STEPS):
        opt.zero_grad(set_to_none=True)
        logits = forward(p, inputs.long(), c)
        loss = loss_of(logits, targets)
        loss.backward()
        if step == 0:
            out["logits"] = logits.detach().clone()
            out["loss"] = loss.detach().reshape(1).clone()
            out.update({f"grad.{n}": t.grad.clone() for n, t in p.items()})
        losses.append(loss.detach())
        opt.step()
    out["losses10"] = torch.stack(losses)
    out.update({f"step10.{n}": t.detach().clone() for n, t in p.items()})
    return out


# ---- the float32 ensemble: the same function, other summation orders ----

def permuted(c, init, tokens, gen):
    """A copy of the model with its axes reordered, and the map of its results back to the original's.

    The hidden axis (n_embd), the feed-forward axis, the vocabulary (token ids relabelled), the kv heads (each
    with its query heads, themselves reordered within the group) and the batch rows are permuted at random.
    Every result is then mathematically identical to the original's after the inverse permutation, but every
    product, norm and gradient sum over those axes adds its terms in another order (the head dimension, with
    its RoPE pairs, and the positions keep theirs)."""
    perm = lambda n: torch.randperm(n, generator=gen)  # noqa: E731
    hd, group = c.head_dim, c.n_head // c.n_head_kv
    pd, pf, pv, pkv = perm(c.n_embd), perm(c.n_ff), perm(c.n_vocab), perm(c.n_head_kv)
    heads_q = torch.cat([kv * group + perm(group) for kv in pkv.tolist()])
    rows_q = (heads_q[:, None] * hd + torch.arange(hd)).reshape(-1)
    rows_kv = (pkv[:, None] * hd + torch.arange(hd)).reshape(-1)
    flip = bool(torch.randint(0, 2, (1,), generator=gen))
    index = {}  # new tensor[i, j] = old tensor[index[0][i], index[1][j]]
    for name in init:
        kind = name.split(".")[-2]
        if name.endswith(".bias"):
            index[name] = (rows_q if kind == "attn_q" else rows_kv,)
        elif name.endswith("norm.weight"):
            index[name] = (pd,)
        else:
            index[name] = {"token_embd": (pv, pd), "output": (pv, pd), "attn_q": (rows_q, pd),
                           "attn_k": (rows_kv, pd), "attn_v": (rows_kv, pd), "attn_output": (pd, rows_q),
                           "ffn_gate": (pf, pd), "ffn_up": (pf, pd), "ffn_down": (pd, pf)}[kind]
    new_init = {n: t[index[n][0]] if len(index[n]) == 1 else t[index[n][0]][:, index[n][1]] for n, t in init.items()}
    new_tokens = torch.argsort(pv)[tokens.long()].to(tokens.dtype)  # old id j is new id argsort(pv)[j]
    if flip:
        new_tokens = new_tokens.flip(0)

    def back(key, t):
        if key.startswith(("grad.", "step10.")):
            i = index[key.split(".", 1)[1]]
            out = torch.empty_like(t)
            if len(i) == 1:
                out[i[0]] = t
            else:
                out[i[0][:, None], i[1][None, :]] = t
            return out
        if key == "logits":  # [B, T, V]
            t = t[:, :, torch.argsort(pv)]
            return t.flip(0) if flip else t
        return t  # loss, losses10: scalars of the whole batch

    return new_init, new_tokens, back


def build(c):
    """The GGUF file for one configuration, and the ref32-vs-ref64 relative differences."""
    gen = torch.Generator().manual_seed(c.seed)
    init = init_params(c, gen)
    tokens = torch.randint(0, c.n_vocab, (BATCH, SEQ + 1), generator=gen, dtype=torch.int32)
    ref64 = train(c, init, tokens, torch.float64)
    ref32 = train(c, init, tokens, torch.float32)
    # ens[key][i] = max|result of permuted float32 run i - ref64|, after mapping the result back.
    ens = {key: [] for key in ref64}
    for _ in range(ENSEMBLE):
        p_init, p_tokens, back = permuted(c, init, tokens, gen)
        run = train(c, p_init, p_tokens, torch.float32)
        for key, t64 in ref64.items():
            ens[key].append((back(key, run[key]).double() - t64).abs().max().item())

    w = gg.GGUFWriter()
    w.add("ref.architecture", gg.STRING, c.arch)
    for key, value in [("n_vocab", c.n_vocab), ("n_embd", c.n_embd), ("n_layer", c.n_layer),
                       ("n_head", c.n_head), ("n_head_kv", c.n_head_kv), ("head_dim", c.head_dim),
                       ("n_ff", c.n_ff), ("rope_n_dims", c.n_rot), ("batch", BATCH), ("seq", SEQ)]:
        w.add(f"ref.{key}", gg.U32, value)
    w.add("ref.rope_freq_base", gg.F32, c.freq_base)
    w.add("ref.rms_eps", gg.F32, c.rms_eps)
    w.add("ref.tied", gg.BOOL, c.tied)
    # The optimizer's scalars as the doubles torch used (0.1 is not a float32).
    for key in ("lr", "beta1", "beta2", "eps", "weight_decay"):
        w.add(f"ref.adamw.{key}", gg.F64, ADAMW[key])
    w.add("ref.adamw.steps", gg.U32, STEPS)
    w.add("ref.init_std", gg.F32, INIT_STD)
    w.add("ref.torch_version", gg.STRING, torch.__version__)
    w.add("ref.seed", gg.U32, c.seed)

    for name, t in init.items():
        w.add_tensor(name, t.numpy())
    w.add_tensor("input.tokens", tokens.numpy(), gg.GGML_I32)
    for prefix, ref in (("ref64", ref64), ("ref32", ref32)):
        for key, t in ref.items():
            w.add_tensor(f"{prefix}.{key}", t.to(torch.float32).numpy())
    for key, errors in ens.items():
        w.add_tensor(f"ens32.{key}", np.array(errors, dtype=np.float32))

    rel, ens_rel = {}, {}
    for key, t64 in ref64.items():
        scale = t64.abs().max().item()
        rel[key] = (ref32[key].double() - t64).abs().max().item() / scale if scale else 0.0
        ens_rel[key] = max(ens[key]) / scale if scale else 0.0
    return w, (rel, ens_rel)


def tables(results):
    """Markdown tables of max|ref32 - ref64| / max|ref64| per result and configuration (columns), then the
    same of the ensemble's largest error, max over i of ens32[i] / max|ref64|."""
    return (_tables([(c, rel) for c, (rel, _) in results]) +
            "\nThe float32 ensemble (largest of the 16 permuted runs' errors):\n\n" +
            _tables([(c, ens) for c, (_, ens) in results]))


def _tables(results):
    head = "| | " + " | ".join(c.name for c, _ in results) + " |\n|---" + "|---" * len(results) + "|\n"
    row = lambda label, key: (f"| {label} | " + " | ".join(  # noqa: E731
        f"{rel[key]:.1e}" if key in rel else "-" for _, rel in results) + " |\n")
    # Rows in file order of the configuration with the most parameters, then any the others add.
    by_size = sorted((c for c, _ in results), key=lambda c: -len(param_shapes(c)))
    names = list(dict.fromkeys(n for c in by_size for n in param_shapes(c)))
    out = "Forward and loss:\n\n" + head
    out += "".join(row(k, k) for k in ("logits", "loss", "losses10"))
    out += "\nGradients (`grad.<name>`):\n\n" + head + "".join(row(n, "grad." + n) for n in names)
    out += "\nWeights after 10 AdamW steps (`step10.<name>`):\n\n" + head
    out += "".join(row(n, "step10." + n) for n in names)
    return out


# ---- checking against the committed files ----

# Which parts of a file must match bit for bit on any machine, and which may move in the last bits:
# the inputs (metadata, initial weights, tokens) come from torch's CPU generator and are the same
# everywhere; the float64 results (ref64.*) are rounded to float32 when stored, so another CPU's BLAS
# kernels (OpenBLAS picks them by CPU, and they sum in other orders) can move them by an ulp at most,
# checked at 1e-6 of the tensor's largest value; the float32 results (ref32.*, ens32.*) measure float32
# rounding itself and legitimately differ between BLAS kernels, so they are compared bitwise only on a
# machine where everything else is bitwise equal too (then any difference is a change of the generator).
COMPUTED_IN_FLOAT32 = ("ref32.", "ens32.")
FLOAT64_TOLERANCE = 1e-6


def compare(data, committed, writer):
    """Problems found comparing a freshly written file with the committed one, [] when they agree."""
    if len(data) != len(committed):
        return [f"sizes differ ({len(data)} vs {len(committed)} bytes): the generator changed"]
    spans = writer.tensor_spans()
    header_end = min(start for _, start, _ in spans)
    if data[:header_end] != committed[:header_end]:
        return ["the metadata or tensor infos differ: the generator changed"]
    problems, float32_differs = [], []
    for name, start, end in spans:
        a, b = data[start:end], committed[start:end]
        if a == b:
            continue
        if name.startswith(COMPUTED_IN_FLOAT32):
            float32_differs.append(name)
        elif name.startswith("ref64."):
            x, y = np.frombuffer(a, dtype=np.float32), np.frombuffer(b, dtype=np.float32)
            scale = max(float(np.max(np.abs(y))), 1e-30)
            worst = float(np.max(np.abs(x.astype(np.float64) - y))) / scale
            if worst > FLOAT64_TOLERANCE:
                problems.append(f"tensor {name} differs by {worst:.2e} of its largest value")
        else:
            problems.append(f"input tensor {name} differs: the generator or torch's random numbers changed")
    if float32_differs and not problems:
        print(f"note: {len(float32_differs)} float32 results differ in their last bits from the committed "
              "ones (this CPU's BLAS kernels); inputs and float64 results agree", file=sys.stderr)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path, help="directory to write <config>.gguf into")
    ap.add_argument("--check", type=Path, help="directory of committed files that must agree (see compare())")
    ap.add_argument("--quiet", action="store_true", help="do not print the ref32-vs-ref64 tables")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    args.out.mkdir(parents=True, exist_ok=True)
    failures, results = [], []
    for c in CONFIGS:
        writer, rel = build(c)
        results.append((c, rel))
        data = writer.tobytes()
        path = args.out / f"{c.name}.gguf"
        path.write_bytes(data)
        if args.check:
            committed = args.check / path.name
            if not committed.exists():
                failures.append(f"{committed} is missing")
            else:
                failures += [f"{path} vs {committed}: {p}" for p in compare(data, committed.read_bytes(), writer)]
    if not args.quiet:
        print(tables(results))
    if args.check:
        extra = {p.name for p in args.check.glob("*.gguf")} - {f"{c.name}.gguf" for c in CONFIGS}
        failures += [f"{args.check / n} is not generated by this script" for n in sorted(extra)]
        if failures:
            print("FAIL:\n  " + "\n  ".join(failures), file=sys.stderr)
            print(f"(torch {torch.__version__}; a different torch or BLAS build can change the last bits. "
                  "If the model or the generator changed on purpose, regenerate the committed files as "
                  "tests/data/train/README.md says.)", file=sys.stderr)
            return 1
        print(f"OK: {len(CONFIGS)} files agree with {args.check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
