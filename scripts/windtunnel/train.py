#!/usr/bin/env python3
"""Train ICL Lens's own wind-tunnel model and export it to GGUF.

A small llama (RMSNorm, RoPE in llama.cpp's adjacent-pair form, SwiGLU, untied
output) over a character vocabulary learns the four wind-tunnel tasks of
src/core/windTunnel/tasks.ts (coin flips, noisy labels with alpha 0.8,
bijection elimination, answer formats with alpha 0.9) from soft targets: at
every prediction slot the loss is the cross-entropy against the analytic
posterior predictive; elsewhere it is the ordinary next-character loss.

Sequences are packed into rows of CONTEXT tokens, each sequence after its own
BOS with positions restarting at 0 and attention kept inside it, so every
position up to the model's context is trained and no sequence sees another.
CPU only, fixed seed, a fixed number of steps (the learning-rate schedule
depends on the step, never on the clock).

  apt-get install python3-torch libopenblas0-pthread
  OPENBLAS_NUM_THREADS=1 python3 scripts/windtunnel/train.py \
      --out models/icl-lens-windtunnel.gguf

Besides the GGUF it writes <out>.reference.json: PyTorch's next-token
probabilities on fixed prompts, which test/unit/model/builtinModel.test.ts
compares with llama.cpp's through the runtime.
"""
import argparse
import json
import math
import random
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SPACE = "\u2581"
CHARS = list(" \nabcdefghijklmnopqrstuvwxyz0123456789=:HTAB") + list("SUMWERND()")
CONTROL = ["<unk>", "<s>", "</s>"]
BYTES = [f"<0x{b:02X}>" for b in range(256)]
VOCAB = CONTROL + BYTES + [SPACE if c == " " else c for c in CHARS]
CHAR_ID = {c: len(CONTROL) + len(BYTES) + i for i, c in enumerate(CHARS)}
BOS = 1
ALPHA = 0.8
FORMAT_ALPHA = 0.9
CONTEXT = 512


# ---- tasks (the same text formats and closed forms as src/core/windTunnel/tasks.ts) ----

def coin(rng, length):
    p = rng.random()
    text, slots, heads = "flips:", [], 0
    for t in range(length):
        text += " "
        q = (heads + 1) / (t + 2)
        slots.append((len(text), {"H": q, "T": 1 - q}))
        h = rng.random() < p
        text += "H" if h else "T"
        heads += h
    return text + "\n", slots


def labels(rng, length):
    hidden_a = rng.random() < 0.5
    text, slots, a, b = "labels:", [], 0, 0
    for t in range(length):
        text += " "
        log_odds = (a - b) * (math.log(ALPHA) - math.log(1 - ALPHA))
        post_a = 1 / (1 + math.exp(-log_odds))
        q = post_a * ALPHA + (1 - post_a) * (1 - ALPHA)
        slots.append((len(text), {"A": q, "B": 1 - q}))
        shown_a = (rng.random() < ALPHA) == hidden_a
        text += "A" if shown_a else "B"
        a += shown_a
        b += not shown_a
    return text + "\n", slots


def bijection(rng, size):
    keys = list("abcdefghij"[:size])
    values = list("0123456789"[:size])
    image = values[:]
    rng.shuffle(image)
    order = list(range(size))
    rng.shuffle(order)
    text, slots, used = f"map {size}:", [], set()
    for k in order:
        text += f" {keys[k]}="
        free = [v for v in values if v not in used]
        # Every value competes; the used ones have analytic probability 0.
        slots.append((len(text), {v: (1 / len(free) if v not in used else 0.0) for v in values}))
        text += image[k]
        used.add(image[k])
    return text + "\n", slots


PLAYERS = ["kohli", "root", "smith", "babar", "stokes", "warner", "rahul", "starc"]
STATS = ["runs", "wickets", "catches", "sixes"]
YEARS = ["2019", "2020", "2021", "2022", "2023"]
VENUES = ["lords", "eden", "mcg", "oval"]


def format_answer(dsl, stat, player, field, value):
    if dsl:
        return f"SUM({stat}) WHERE player={player} AND {field}={value}"
    return f"total {stat} by {player} {'in' if field == 'year' else 'at'} {value}"


def formats(rng, length):
    """Questions answered in a hidden format (DSL or English, prior 1/2); each answer uses it with probability FORMAT_ALPHA."""
    hidden_dsl = rng.random() < 0.5
    text, slots, d, e = "stats:\n", [], 0, 0
    for t in range(length):
        player, stat = rng.choice(PLAYERS), rng.choice(STATS)
        field = "year" if rng.random() < 0.5 else "venue"
        value = rng.choice(YEARS if field == "year" else VENUES)
        text += f"q: {player} {stat} {value}\na: "
        log_odds = (d - e) * (math.log(FORMAT_ALPHA) - math.log(1 - FORMAT_ALPHA))
        post = 1 / (1 + math.exp(-log_odds))
        q = post * FORMAT_ALPHA + (1 - post) * (1 - FORMAT_ALPHA)
        slots.append((len(text), {"S": q, "t": 1 - q}))
        dsl = (rng.random() < FORMAT_ALPHA) == hidden_dsl
        text += format_answer(dsl, stat, player, field, value) + "\n"
        d += dsl
        e += not dsl
    return text, slots


TASKS = ["coin", "labels", "bijection", "format"]


def sample(rng, evaluation=False, task=None):
    task = task or rng.choices(TASKS, weights=[1, 1, 2, 1.5])[0]
    if task == "coin":
        return task, coin(rng, 24 if evaluation else rng.randint(8, 40))
    if task == "labels":
        return task, labels(rng, 16 if evaluation else rng.randint(8, 32))
    if task == "bijection":
        return task, bijection(rng, 6 if evaluation else rng.randint(2, 10))
    while True:  # at most CONTEXT - 1 characters after BOS
        text, slots = formats(rng, 6 if evaluation else rng.randint(1, 7))
        if len(text) < CONTEXT:
            return task, (text, slots)


def encode(text, slots):
    """Token ids (BOS + one per character) and soft targets: targets[i] is the distribution for token i+1."""
    ids = [BOS] + [CHAR_ID[c] for c in text]
    n = len(ids) - 1
    hard = torch.tensor(ids[1:], dtype=torch.long)
    soft = {}
    for offset, dist in slots:
        soft[offset] = {CHAR_ID[s]: q for s, q in dist.items()}  # char offset i is token i+1, predicted at row i
    return torch.tensor(ids[:-1], dtype=torch.long), hard, soft, n


# ---- model ----

class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, pos, base=10000.0):
    """llama.cpp's 'normal' RoPE: rotate adjacent pairs (x0, x1), (x2, x3), ... by position (pos: b x t)."""
    b, h, t, d = x.shape
    inv = base ** (-torch.arange(0, d, 2, dtype=torch.float32) / d)
    ang = (pos.float()[:, None, :, None] * inv[None, None, None, :])  # b, 1, t, d/2
    cos, sin = ang.cos(), ang.sin()
    x2 = x.view(b, h, t, d // 2, 2)
    x0, x1 = x2[..., 0], x2[..., 1]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1).view(b, h, t, d)


class Block(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.attn_norm = RMSNorm(d)
        self.wq = nn.Linear(d, d, bias=False)
        self.wk = nn.Linear(d, d, bias=False)
        self.wv = nn.Linear(d, d, bias=False)
        self.wo = nn.Linear(d, d, bias=False)
        self.ffn_norm = RMSNorm(d)
        self.w1 = nn.Linear(d, ff, bias=False)  # gate
        self.w3 = nn.Linear(d, ff, bias=False)  # up
        self.w2 = nn.Linear(ff, d, bias=False)  # down

    def forward(self, x, mask, pos):
        b, t, d = x.shape
        h = self.attn_norm(x)
        q, k, v = (w(h).view(b, t, self.heads, d // self.heads).transpose(1, 2) for w in (self.wq, self.wk, self.wv))
        q, k = rope(q, pos), rope(k, pos)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(d // self.heads) + mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.wo(y)
        h = self.ffn_norm(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class Llama(nn.Module):
    def __init__(self, vocab, d=64, layers=4, heads=4, ff=192):
        super().__init__()
        self.cfg = dict(d=d, layers=layers, heads=heads, ff=ff)
        self.embed = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, heads, ff) for _ in range(layers))
        self.norm = RMSNorm(d)
        self.output = nn.Linear(d, vocab, bias=False)
        nn.init.normal_(self.embed.weight, std=0.5)

    def forward(self, ids, pos=None, segment=None):
        b, t = ids.shape
        if pos is None:
            pos = torch.arange(t)[None, :].expand(b, t)
        causal = torch.ones((t, t), dtype=torch.bool).tril()
        allowed = causal[None] if segment is None else causal[None] & (segment[:, :, None] == segment[:, None, :])
        mask = torch.zeros((b if segment is not None else 1, 1, t, t)).masked_fill(~allowed[:, None], float("-inf"))
        x = self.embed(ids)
        for blk in self.blocks:
            x = blk(x, mask, pos)
        return self.output(self.norm(x))


# ---- training ----

def batch(rng, rows, length=CONTEXT):
    """Rows of `length` tokens, each packed with whole sequences (BOS + text); a sequence that does not fit starts the
    next row. Rows shorter than CONTEXT skip the sequences longer than they are (attention costs length squared, so
    most steps use short rows and the long ones train the far positions)."""
    ids = torch.zeros((rows, length), dtype=torch.long)
    pos = torch.zeros((rows, length), dtype=torch.long)
    segment = torch.full((rows, length), -1, dtype=torch.long)
    target = torch.zeros((rows, length, len(VOCAB)))
    weight = torch.zeros((rows, length))
    pending = None
    for i in range(rows):
        at, seg = 0, 0
        while True:
            item = pending or encode(*sample(rng)[1])
            inp, hard, soft, n = item
            if n > length:
                continue
            if at + n > length:
                pending = item if at > 0 else None  # a row's first sequence always fits (sample keeps them short)
                break
            pending = None
            span = slice(at, at + n)
            ids[i, span] = inp
            pos[i, span] = torch.arange(n)
            segment[i, span] = seg
            target[i, torch.arange(at, at + n), hard] = 1.0
            weight[i, span] = 1.0
            for row, dist in soft.items():
                target[i, at + row] = 0.0
                for tok, q in dist.items():
                    target[i, at + row, tok] = q
                weight[i, at + row] = 4.0  # the slots are what is measured
            at += n
            seg += 1
        segment[i, at:] = seg  # padding attends only to itself
    return ids, pos, segment, target, weight


def evaluate(model, seed=12345, per_task=100):
    """Mean KL(analytic || model restricted to the symbols) per task, in bits, at the CLI's default sizes."""
    rng = random.Random(seed)
    kls = {task: [] for task in TASKS}
    model.eval()
    with torch.no_grad():
        for task in TASKS * per_task:
            task, (text, slots) = sample(rng, evaluation=True, task=task)
            inp, _, soft, _ = encode(text, slots)
            logp = model(inp[None])[0].log_softmax(-1)
            seq = []
            for row, dist in soft.items():
                toks = list(dist.keys())
                q = torch.tensor([dist[k] for k in toks])
                p = logp[row, toks].exp()
                p = p / p.sum()
                terms = torch.where(q > 0, q * (q.clamp_min(1e-30).log2() - p.log2()), torch.zeros_like(q))
                seq.append(float(terms.sum()))
            kls[task].append(sum(seq) / len(seq))
    model.train()
    return {k: sum(v) / len(v) for k, v in kls.items()}


# ---- GGUF export (F32; llama.cpp's llama architecture) ----

def write_gguf(model, path):
    cfg = model.cfg
    head_dim = cfg["d"] // cfg["heads"]

    def s(x):
        b = x.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    kv = []

    def add(key, typ, val):
        kv.append((key, typ, val))

    add("general.architecture", "str", "llama")
    add("general.name", "str", "icl-lens-windtunnel")
    add("general.alignment", "u32", 32)
    add("llama.context_length", "u32", CONTEXT)
    add("llama.embedding_length", "u32", cfg["d"])
    add("llama.block_count", "u32", cfg["layers"])
    add("llama.feed_forward_length", "u32", cfg["ff"])
    add("llama.attention.head_count", "u32", cfg["heads"])
    add("llama.attention.head_count_kv", "u32", cfg["heads"])
    add("llama.rope.dimension_count", "u32", head_dim)
    add("llama.rope.freq_base", "f32", 10000.0)
    add("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5)
    add("llama.vocab_size", "u32", len(VOCAB))
    add("tokenizer.ggml.model", "str", "llama")
    add("tokenizer.ggml.tokens", "str[]", VOCAB)
    add("tokenizer.ggml.scores", "f32[]", [0.0] * len(VOCAB))
    add("tokenizer.ggml.token_type", "i32[]", [2, 3, 3] + [6] * 256 + [1] * len(CHARS))
    add("tokenizer.ggml.bos_token_id", "u32", 1)
    add("tokenizer.ggml.eos_token_id", "u32", 2)
    add("tokenizer.ggml.unknown_token_id", "u32", 0)
    add("tokenizer.ggml.add_bos_token", "bool", True)
    add("tokenizer.ggml.add_eos_token", "bool", False)
    add("tokenizer.ggml.add_space_prefix", "bool", False)

    tensors = [("token_embd.weight", model.embed.weight)]
    for i, blk in enumerate(model.blocks):
        tensors += [
            (f"blk.{i}.attn_norm.weight", blk.attn_norm.weight),
            (f"blk.{i}.attn_q.weight", blk.wq.weight), (f"blk.{i}.attn_k.weight", blk.wk.weight),
            (f"blk.{i}.attn_v.weight", blk.wv.weight), (f"blk.{i}.attn_output.weight", blk.wo.weight),
            (f"blk.{i}.ffn_norm.weight", blk.ffn_norm.weight),
            (f"blk.{i}.ffn_gate.weight", blk.w1.weight), (f"blk.{i}.ffn_up.weight", blk.w3.weight),
            (f"blk.{i}.ffn_down.weight", blk.w2.weight),
        ]
    tensors += [("output_norm.weight", model.norm.weight), ("output.weight", model.output.weight)]

    types = {"u32": 4, "i32": 5, "f32": 6, "bool": 7, "str": 8, "arr": 9}
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
    for key, typ, val in kv:
        head += s(key)
        if typ.endswith("[]"):
            et = typ[:-2]
            head += struct.pack("<IIQ", types["arr"], types[et], len(val))
            for v in val:
                head += s(v) if et == "str" else struct.pack("<f" if et == "f32" else "<i", v)
        elif typ == "str":
            head += struct.pack("<I", types["str"]) + s(val)
        elif typ == "bool":
            head += struct.pack("<IB", types["bool"], 1 if val else 0)
        else:
            head += struct.pack("<I" + ("f" if typ == "f32" else "I"), types[typ], val)
    blobs, offset = [], 0
    for name, w in tensors:
        a = w.detach().float().numpy().astype("<f4")
        dims = list(reversed(a.shape))  # ggml: ne0 is the innermost (row) dimension
        head += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        head += struct.pack("<IQ", 0, offset)
        data = a.tobytes()
        pad = (-len(data)) % 32
        blobs.append(data + b"\0" * pad)
        offset += len(data) + pad
    head += b"\0" * ((-len(head)) % 32)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


REFERENCE_PROMPTS = ["flips: H T T H H", "labels: A A B A", "map 6: c=2 a=0 e=", "flips:",
                     "stats:\nq: root runs 2021\na: SUM(runs) WHERE player=root AND year=2021\nq: starc sixes eden\na: "]


def write_reference(model, path):
    """PyTorch's probabilities for the next token after each prompt (top 5 and the task symbols)."""
    out = []
    model.eval()
    with torch.no_grad():
        for text in REFERENCE_PROMPTS:
            inp = torch.tensor([[BOS] + [CHAR_ID[c] for c in text]])
            p = model(inp)[0, -1].softmax(-1)
            out.append({"text": text, "probabilities": {str(i): float(p[i]) for i in range(len(VOCAB))}})
    with open(path, "w") as f:
        json.dump(out, f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=13500)
    ap.add_argument("--minutes", type=float, default=0, help="stop early after this many minutes (0: no limit); the schedule still follows --steps")
    ap.add_argument("--out", default="models/icl-lens-windtunnel.gguf")
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--rows", type=int, default=8, help=f"rows of {CONTEXT} tokens on every third step; the others take 4x as many rows of {CONTEXT // 4}")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ff", type=int, default=192)
    ap.add_argument("--eval-every", type=int, default=500)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    torch.set_num_threads(2)
    model = Llama(len(VOCAB), d=args.dim, layers=args.layers, heads=args.heads, ff=args.ff)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
    start = time.time()
    best = None
    log = []
    step = 0
    while step < args.steps and not (args.minutes and time.time() - start > args.minutes * 60):
        frac = step / args.steps
        for g in opt.param_groups:
            g["lr"] = args.lr * min(1.0, (step + 1) / 200) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
        ids, pos, segment, target, weight = batch(rng, args.rows) if step % 3 == 0 else batch(rng, args.rows * 4, CONTEXT // 4)
        logp = model(ids, pos, segment).log_softmax(-1)
        loss = (-(target * logp).sum(-1) * weight).sum() / weight.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % args.eval_every == 0 or step == args.steps:
            kl = evaluate(model)
            score = sum(kl.values())
            elapsed = time.time() - start
            log.append({"step": step, "seconds": round(elapsed), "loss": float(loss), **kl})
            print(json.dumps(log[-1]), flush=True)
            if best is None or score < best[0]:
                best = (score, {k: v.clone() for k, v in model.state_dict().items()}, kl, step)
                write_gguf(model, args.out)
                write_reference(model, args.out + ".reference.json")
    if best is None:
        raise SystemExit(f"trained for less than {args.eval_every} steps")
    model.load_state_dict(best[1])
    write_gguf(model, args.out)
    write_reference(model, args.out + ".reference.json")
    summary = {"parameters": params, "steps": step, "best_step": best[3], "minutes": round((time.time() - start) / 60, 1),
               "seed": args.seed, "rows": args.rows, "eval_every": args.eval_every, "context": CONTEXT, "lr": args.lr,
               "shape": {"dim": args.dim, "layers": args.layers, "heads": args.heads, "ff": args.ff},
               "pytorch_kl_bits": best[2], "torch": torch.__version__}
    with open(args.out + ".training.json", "w") as f:
        json.dump({"summary": summary, "log": log}, f, indent=1)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
