#!/usr/bin/env python3
"""JAX peer of `fgia bench` at realistic sizes: the models of
scripts/bench_realistic_torch.py written in plain JAX (no Flax), trained
and then run for inference on the CPU with random inputs.

  tiny   the bench ViT of `fgia bench` and scripts/bench_vit_torch.py: 28x28x1,
         patch 4, width 64, 4 blocks, 4 heads, MLP 2, cls token read after a
         final LayerNorm, 10 classes (batches 128 and 500)
  vit    ViT-S/16 at 224: patch 16, width 384, 12 blocks, 6 heads, MLP 4
         (exact GELU), cls token, learned positions, mean of the patch
         tokens then LayerNorm (fc_norm; eps 1e-6), drop path 0.1, 5000
         classes (fgia's vit-s16-224, timm's vit_small_patch16_224 with
         global_pool="avg")
  swin   Swin-V2-T at 256, window 16 (8 in the last stage): cosine
         attention with a clamped logit scale, the log-spaced continuous
         position-bias MLP, res-post-norm, shifted windows with their mask,
         patch merging, drop path 0.2, 5000 classes (fgia's swinv2-t,
         timm's swinv2_tiny_window16_256)

AdamW (lr 1e-3, weight decay 0.05) on cross-entropy. One jit-compiled step
with the parameters and optimizer state donated, as JAX users write it.
Prints, as its last line:

  train_img_per_s=X infer_img_per_s=Y train_cpu_s_per_step=A infer_cpu_s_per_batch=B

Run in build/venv-jax (scripts/bench_realistic.sh makes it: jax and jaxlib
from PyPI, pinned, CPU only):
    build/venv-jax/bin/python scripts/bench_realistic_jax.py --model vit
"""
import argparse
import math

import jax
import jaxlib.version
import jax.numpy as jnp
import numpy as np

from bench_timing import timed


def dense_init(key, fan_in, *out):
    return {"w": 0.02 * jax.random.normal(key, (fan_in, *out), jnp.float32), "b": jnp.zeros(out, jnp.float32)}


def dense(p, x):
    return jnp.tensordot(x, p["w"], axes=1) + p["b"]


def ln_init(d):
    return {"g": jnp.ones((d,), jnp.float32), "b": jnp.zeros((d,), jnp.float32)}


def layer_norm(p, x, eps):
    mean = x.mean(-1, keepdims=True)
    var = jnp.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + eps) * p["g"] + p["b"]


def gelu(x):
    return jax.nn.gelu(x, approximate=False)


def drop_path(key, x, rate, training):
    if not training or rate <= 0:
        return x
    keep = jax.random.bernoulli(key, 1 - rate, (x.shape[0],) + (1,) * (x.ndim - 1))
    return x * keep.astype(x.dtype) / (1 - rate)


# --- ViT ---------------------------------------------------------------------

VIT = dict(img=224, chans=3, patch=16, dim=384, depth=12, heads=6, mlp=4, eps=1e-6, dpr=0.1, pool="avg")
TINY = dict(img=28, chans=1, patch=4, dim=64, depth=4, heads=4, mlp=2, eps=1e-6, dpr=0.0, pool="cls")


def vit_init(key, classes, c):
    d, h = c["dim"], c["dim"] * c["mlp"]
    n = (c["img"] // c["patch"]) ** 2
    keys = iter(jax.random.split(key, 8 + 6 * c["depth"]))
    p = {
        "patch": dense_init(next(keys), c["patch"] * c["patch"] * c["chans"], d),
        "cls": jnp.zeros((1, 1, d), jnp.float32),
        "pos": 0.02 * jax.random.normal(next(keys), (1, n + 1, d), jnp.float32),
        "blocks": [],
        "fc_norm": ln_init(d),  # the final norm with cls pooling
        "head": dense_init(next(keys), d, classes),
    }
    for _ in range(c["depth"]):
        p["blocks"].append({
            "norm1": ln_init(d), "qkv": dense_init(next(keys), d, 3 * d), "proj": dense_init(next(keys), d, d),
            "norm2": ln_init(d), "fc1": dense_init(next(keys), d, h), "fc2": dense_init(next(keys), h, d),
        })
    return p


def vit_apply(p, images, key, training, c):
    b = images.shape[0]
    g, ps, d, heads, ch = c["img"] // c["patch"], c["patch"], c["dim"], c["heads"], c["chans"]
    x = images.reshape(b, g, ps, g, ps, ch).transpose(0, 1, 3, 2, 4, 5).reshape(b, g * g, ps * ps * ch)
    x = dense(p["patch"], x)
    x = jnp.concatenate([jnp.broadcast_to(p["cls"], (b, 1, d)), x], axis=1) + p["pos"]
    t, hd = x.shape[1], d // heads
    keys = jax.random.split(key, 2 * c["depth"])
    for i, blk in enumerate(p["blocks"]):
        rate = c["dpr"] * i / max(c["depth"] - 1, 1)
        h = layer_norm(blk["norm1"], x, c["eps"])
        qkv = dense(blk["qkv"], h).reshape(b, t, 3, heads, hd)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        att = jax.nn.softmax(jnp.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(hd), axis=-1)
        h = jnp.einsum("bhqk,bkhd->bqhd", att, v).reshape(b, t, d)
        x = x + drop_path(keys[2 * i], dense(blk["proj"], h), rate, training)
        h = dense(blk["fc2"], gelu(dense(blk["fc1"], layer_norm(blk["norm2"], x, c["eps"]))))
        x = x + drop_path(keys[2 * i + 1], h, rate, training)
    if c["pool"] == "cls":
        f = layer_norm(p["fc_norm"], x[:, 0], c["eps"])
    else:
        f = layer_norm(p["fc_norm"], x[:, 1:].mean(1), c["eps"])
    return dense(p["head"], f)


# --- Swin-V2-T at 256 ------------------------------------------------------

SWIN = dict(img=256, patch=4, embed=96, depths=(2, 2, 6, 2), heads=(3, 6, 12, 24), window=16, mlp=4, eps=1e-5,
            dpr=0.2)


def swin_geometry():
    c = SWIN
    res = c["img"] // c["patch"]
    geo = []
    for i in range(len(c["depths"])):
        if i > 0:
            res //= 2
        win = min(c["window"], res)
        geo.append((res, win, 0 if res <= c["window"] else win // 2))
    return geo


def cpb_table(win):
    """Log-spaced relative coordinates [(2w-1)^2, 2] and the index [w^2, w^2]
    of each query/key pair into them (Swin-V2, no pretrained window)."""
    r = np.arange(-(win - 1), win, dtype=np.float32)
    table = np.stack(np.meshgrid(r, r, indexing="ij"), -1).reshape(-1, 2) / (win - 1) * 8
    table = np.sign(table) * np.log2(np.abs(table) + 1) / np.log2(8)
    coords = np.stack(np.meshgrid(np.arange(win), np.arange(win), indexing="ij")).reshape(2, -1)
    rel = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0) + (win - 1)
    index = rel[..., 0] * (2 * win - 1) + rel[..., 1]
    return jnp.asarray(table), jnp.asarray(index)


def shift_mask(res, win, shift):
    """[windows, w^2, w^2] additive mask of a shifted window partition."""
    img = np.zeros((res, res), np.int32)
    cnt = 0
    for hs in (slice(0, -win), slice(-win, -shift), slice(-shift, None)):
        for ws in (slice(0, -win), slice(-win, -shift), slice(-shift, None)):
            img[hs, ws] = cnt
            cnt += 1
    w = img.reshape(res // win, win, res // win, win).transpose(0, 2, 1, 3).reshape(-1, win * win)
    return jnp.asarray(np.where(w[:, :, None] != w[:, None, :], -100.0, 0.0).astype(np.float32))


def swin_init(key, classes):
    c = SWIN
    keys = iter(jax.random.split(key, 200))
    p = {"patch": dense_init(next(keys), c["patch"] * c["patch"] * 3, c["embed"]), "patch_norm": ln_init(c["embed"]),
         "stages": []}
    dim = c["embed"]
    for i, (depth, heads) in enumerate(zip(c["depths"], c["heads"])):
        st = {"blocks": []}
        if i > 0:
            st["merge"] = {"w": 0.02 * jax.random.normal(next(keys), (4 * dim // 2, dim), jnp.float32),
                           "norm": ln_init(dim)}
        for _ in range(depth):
            st["blocks"].append({
                "qkv": {"w": 0.02 * jax.random.normal(next(keys), (dim, 3 * dim), jnp.float32),
                        "q_bias": jnp.zeros((dim,)), "v_bias": jnp.zeros((dim,))},
                "logit_scale": jnp.full((heads, 1, 1), math.log(10.0), jnp.float32),
                "cpb1": dense_init(next(keys), 2, 512),
                "cpb2": {"w": 0.02 * jax.random.normal(next(keys), (512, heads), jnp.float32)},
                "proj": dense_init(next(keys), dim, dim), "norm1": ln_init(dim),
                "fc1": dense_init(next(keys), dim, dim * c["mlp"]), "fc2": dense_init(next(keys), dim * c["mlp"], dim),
                "norm2": ln_init(dim),
            })
        p["stages"].append(st)
        dim *= 2
    p["norm"] = ln_init(dim // 2)
    p["head"] = dense_init(next(keys), dim // 2, classes)
    return p


def window_attention(blk, x, heads, win, mask, table, index):
    """x [B*nW, N, C] -> same; cosine attention with continuous position bias."""
    bw, n, d = x.shape
    hd = d // heads
    bias = jnp.concatenate([blk["qkv"]["q_bias"], jnp.zeros_like(blk["qkv"]["v_bias"]), blk["qkv"]["v_bias"]])
    qkv = (jnp.tensordot(x, blk["qkv"]["w"], axes=1) + bias).reshape(bw, n, 3, heads, hd).transpose(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    q = q / jnp.maximum(jnp.linalg.norm(q, axis=-1, keepdims=True), 1e-12)
    k = k / jnp.maximum(jnp.linalg.norm(k, axis=-1, keepdims=True), 1e-12)
    att = jnp.einsum("bhqd,bhkd->bhqk", q, k) * jnp.exp(jnp.minimum(blk["logit_scale"], math.log(100.0)))
    bias_table = jnp.tensordot(jax.nn.relu(dense(blk["cpb1"], table)), blk["cpb2"]["w"], axes=1)  # [(2w-1)^2, H]
    rel = 16 * jax.nn.sigmoid(bias_table[index.reshape(-1)].reshape(n, n, heads).transpose(2, 0, 1))
    att = att + rel[None]
    if mask is not None:
        nw = mask.shape[0]
        att = (att.reshape(bw // nw, nw, heads, n, n) + mask[None, :, None]).reshape(bw, heads, n, n)
    att = jax.nn.softmax(att, axis=-1)
    out = jnp.einsum("bhqk,bhkd->bqhd", att, v).reshape(bw, n, d)
    return dense(blk["proj"], out)


def swin_apply(p, images, key, training):
    c = SWIN
    b = images.shape[0]
    g, ps = c["img"] // c["patch"], c["patch"]
    x = images.reshape(b, g, ps, g, ps, 3).transpose(0, 1, 3, 2, 4, 5).reshape(b, g, g, ps * ps * 3)
    x = layer_norm(p["patch_norm"], dense(p["patch"], x), c["eps"])
    total = sum(c["depths"])
    keys = jax.random.split(key, 2 * total)
    k = 0
    for i, (st, (res, win, shift)) in enumerate(zip(p["stages"], swin_geometry())):
        if i > 0:  # patch merging: 2x2 neighbours concatenated, reduced, normalised
            h2 = x.shape[1] // 2
            x = x.reshape(b, h2, 2, h2, 2, x.shape[-1]).transpose(0, 1, 3, 4, 2, 5).reshape(b, h2, h2, -1)
            x = layer_norm(st["merge"]["norm"], jnp.tensordot(x, st["merge"]["w"], axes=1), c["eps"])
        dim = x.shape[-1]
        table, index = cpb_table(win)
        mask = shift_mask(res, win, shift) if shift else None
        for j, blk in enumerate(st["blocks"]):
            rate = c["dpr"] * k / (total - 1)
            s = shift if j % 2 == 1 else 0
            h = jnp.roll(x, (-s, -s), axis=(1, 2)) if s else x
            nw = res // win
            h = h.reshape(b, nw, win, nw, win, dim).transpose(0, 1, 3, 2, 4, 5).reshape(b * nw * nw, win * win, dim)
            h = window_attention(blk, h, c["heads"][i], win, mask if s else None, table, index)
            h = h.reshape(b, nw, nw, win, win, dim).transpose(0, 1, 3, 2, 4, 5).reshape(b, res, res, dim)
            if s:
                h = jnp.roll(h, (s, s), axis=(1, 2))
            x = x + drop_path(keys[2 * k], layer_norm(blk["norm1"], h, c["eps"]), rate, training)
            h = dense(blk["fc2"], gelu(dense(blk["fc1"], x)))
            x = x + drop_path(keys[2 * k + 1], layer_norm(blk["norm2"], h, c["eps"]), rate, training)
            k += 1
    f = layer_norm(p["norm"], x, c["eps"]).mean((1, 2))
    return dense(p["head"], f)


def with_config(fn, c):
    return lambda *args: fn(*args, c)


# name: (init, apply, image side, channels, default train and inference batches)
MODELS = {
    "tiny": (with_config(vit_init, TINY), with_config(vit_apply, TINY), 28, 1, 128, 500),
    "vit": (with_config(vit_init, VIT), with_config(vit_apply, VIT), 224, 3, 16, 64),
    "swin": (swin_init, swin_apply, 256, 3, 16, 64),
}


# --- AdamW and the timing loop ---------------------------------------------

def adamw(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, wd=0.05):
    def init(params):
        zeros = lambda: jax.tree_util.tree_map(jnp.zeros_like, params)  # noqa: E731 (two trees: both are donated)
        return {"m": zeros(), "v": zeros(), "t": jnp.zeros((), jnp.int32)}

    def update(params, grads, st):
        t = st["t"] + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, st["m"], grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, st["v"], grads)
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t

        def upd(p, m, v):
            return p - lr * (m / c1 / (jnp.sqrt(v / c2) + eps) + wd * p)

        return jax.tree_util.tree_map(upd, params, m, v), {"m": m, "v": v, "t": t}

    return init, update


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(MODELS), default="vit")
    ap.add_argument("--classes", type=int, default=0, help="0: 10 for tiny, else 5000")
    ap.add_argument("--batch", type=int, default=0, help="training batch (0: 128 for tiny, else 16)")
    ap.add_argument("--infer-batch", type=int, default=0, help="0: 500 for tiny, else 64")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--infer-steps", type=int, default=3)
    args = ap.parse_args()
    init_fn, apply_fn, side, chans, batch, infer_batch = MODELS[args.model]
    args.classes = args.classes or (10 if args.model == "tiny" else 5000)
    args.batch = args.batch or batch
    args.infer_batch = args.infer_batch or infer_batch
    key = jax.random.PRNGKey(0)
    params = init_fn(key, args.classes)
    opt_init, opt_update = adamw()
    opt_state = opt_init(params)

    def loss_fn(params, x, y, key):
        logits = apply_fn(params, x, key, True)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    def train_step(params, opt_state, x, y, key):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y, key)
        params, opt_state = opt_update(params, grads, opt_state)
        return params, opt_state, loss

    train_step = jax.jit(train_step, donate_argnums=(0, 1))
    infer = jax.jit(lambda params, x: apply_fn(params, x, key, False))

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((args.batch, side, side, chans), np.float32))
    y = jnp.asarray(rng.integers(0, args.classes, args.batch, np.int32))
    state = {"p": params, "o": opt_state, "i": 0}

    def step():
        state["i"] += 1
        state["p"], state["o"], loss = train_step(state["p"], state["o"], x, y, jax.random.PRNGKey(state["i"]))
        loss.block_until_ready()

    train, train_cpu = timed(step, max(args.warmup, 1), args.steps)
    xi = jnp.asarray(rng.standard_normal((args.infer_batch, side, side, chans), np.float32))
    inf, infer_cpu = timed(lambda: infer(state["p"], xi).block_until_ready(), 1, args.infer_steps)
    print(f"jax {jax.__version__} (jaxlib {jaxlib.version.__version__}), {args.model}, {jax.devices()[0].device_kind}")
    print(
        f"train_img_per_s={args.batch * len(train) / sum(train):.2f} "
        f"infer_img_per_s={args.infer_batch * len(inf) / sum(inf):.2f} "
        f"train_cpu_s_per_step={train_cpu:.3f} infer_cpu_s_per_batch={infer_cpu:.3f}"
    )


if __name__ == "__main__":
    main()
