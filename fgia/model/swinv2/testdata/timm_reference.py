"""Reference forward pass for TestTimmParity, written after timm's swin_transformer_v2.py.

It re-states timm's SwinTransformerV2 forward (patch conv, roll, window partition, fused qkv,
cosine attention, continuous position bias, attention mask, res-post-norm, Microsoft's
strided patch merging, final norm) in NumPy with float64, on parameters stored in fgia's layout
(Dense weights [in, out], attention weights split by head; the converter's job is mapping timm's names and layouts onto these).
Parameter and input values come from closed-form formulas that the Go test repeats, so nothing
but the output needs storing.

Run: python3 timm_reference.py > timm_parity.json   (needs only NumPy)
"""
import json
import math

import numpy as np

CFG = dict(image_h=16, image_w=16, channels=3, patch=2, embed=16, depths=[2, 2], heads=[2, 4],
           windows=[4, 4], pretrained=[0, 3], mlp_ratio=2.0, eps=1e-5, batch=2)


def formula(name, size):
    """Deterministic parameter values; the Go test uses the same rule."""
    k = sum(name.encode()) % 997
    s = np.sin(1.7 * np.arange(size, dtype=np.float64) + 0.3 * k + 0.1)
    if name.endswith("/gain"):
        v = 1 + 0.2 * s
    elif name.endswith("/logit_scale"):
        v = 4 + 1.5 * s  # some heads above log(100), so the clamp matters
    else:
        v = 0.1 * s
    return v.astype(np.float32).astype(np.float64)


class Params:
    def __init__(self):
        self.shapes = {}

    def get(self, name, *shape):
        self.shapes[name] = list(shape)
        return formula(name, int(np.prod(shape))).reshape(shape)


def layer_norm(p, prefix, x, eps):
    c = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * p.get(prefix + "/gain", c) + p.get(prefix + "/offset", c)


def dense(p, prefix, x, out, bias=True):
    y = x @ p.get(prefix + "/weights", x.shape[-1], out)
    if bias:
        y = y + p.get(prefix + "/biases", out)
    return y


def window_partition(x, ws):
    b, h, w, c = x.shape
    x = x.reshape(b, h // ws[0], ws[0], w // ws[1], ws[1], c)
    return x.transpose(0, 1, 3, 2, 4, 5).reshape(-1, ws[0], ws[1], c)


def window_reverse(windows, ws, h, w):
    c = windows.shape[-1]
    x = windows.reshape(-1, h // ws[0], w // ws[1], ws[0], ws[1], c)
    return x.transpose(0, 1, 3, 2, 4, 5).reshape(-1, h, w, c)


def coords_table(ws, pws):
    rh = np.arange(-(ws[0] - 1), ws[0], dtype=np.float64)
    rw = np.arange(-(ws[1] - 1), ws[1], dtype=np.float64)
    t = np.stack(np.meshgrid(rh, rw, indexing="ij")).transpose(1, 2, 0)
    if pws[0] > 0:
        t[..., 0] /= pws[0] - 1
        t[..., 1] /= pws[1] - 1
    else:
        t[..., 0] /= ws[0] - 1
        t[..., 1] /= ws[1] - 1
    t *= 8
    return np.sign(t) * np.log2(np.abs(t) + 1.0) / math.log2(8)


def relative_index(ws):
    coords = np.stack(np.meshgrid(np.arange(ws[0]), np.arange(ws[1]), indexing="ij")).reshape(2, -1)
    rel = (coords[:, :, None] - coords[:, None, :]).transpose(1, 2, 0).copy()
    rel[:, :, 0] += ws[0] - 1
    rel[:, :, 1] += ws[1] - 1
    rel[:, :, 0] *= 2 * ws[1] - 1
    return rel.sum(-1)


def attn_mask(h, w, ws, ss):
    img = np.zeros((1, h, w, 1))
    cnt = 0
    for hs in (slice(0, -ws[0]), slice(-ws[0], -ss[0]), slice(-ss[0], None)):
        for wsl in (slice(0, -ws[1]), slice(-ws[1], -ss[1]), slice(-ss[1], None)):
            img[:, hs, wsl, :] = cnt
            cnt += 1
    mw = window_partition(img, ws).reshape(-1, ws[0] * ws[1])
    m = mw[:, None, :] - mw[:, :, None]
    return np.where(m != 0, -100.0, 0.0)


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def window_attention(p, prefix, x, ws, pws, heads, mask):
    bw, n, c = x.shape
    hd = c // heads
    # fgia keeps q/k/v weights as [C, heads, hd] and proj weights as [heads, hd, C]: reshapes of
    # the [in, out] matrices (torch's weight transposed).
    w_qkv = np.concatenate([p.get(prefix + "/q/weights", c, heads, hd).reshape(c, c),
                            p.get(prefix + "/k/weights", c, heads, hd).reshape(c, c),
                            p.get(prefix + "/v/weights", c, heads, hd).reshape(c, c)], axis=1)
    b_qkv = np.concatenate([p.get(prefix + "/q/biases", heads, hd).reshape(c), np.zeros(c),
                            p.get(prefix + "/v/biases", heads, hd).reshape(c)])
    qkv = (x @ w_qkv + b_qkv).reshape(bw, n, 3, heads, -1).transpose(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    q = q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), 1e-12)
    k = k / np.maximum(np.linalg.norm(k, axis=-1, keepdims=True), 1e-12)
    attn = q @ k.swapaxes(-2, -1)
    scale = np.exp(np.minimum(p.get(prefix + "/logit_scale", heads).reshape(heads, 1, 1), math.log(100)))
    attn = attn * scale
    table = coords_table(ws, pws).reshape(-1, 2)
    hidden = np.maximum(dense(p, prefix + "/cpb_mlp/fc1", table, 512), 0)
    per_offset = dense(p, prefix + "/cpb_mlp/fc2", hidden, heads, bias=False)
    bias = per_offset[relative_index(ws).reshape(-1)].reshape(n, n, heads).transpose(2, 0, 1)
    attn = attn + 16 / (1 + np.exp(-bias))[None]
    if mask is not None:
        nw = mask.shape[0]
        attn = (attn.reshape(-1, nw, heads, n, n) + mask[None, :, None]).reshape(-1, heads, n, n)
    attn = softmax(attn)
    out = (attn @ v).transpose(0, 2, 1, 3).reshape(bw, n, c)
    return out @ p.get(prefix + "/proj/weights", heads, hd, c).reshape(c, c) + p.get(prefix + "/proj/biases", c)


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def block(p, prefix, x, heads, window, pretrained, shifted, eps, mlp_ratio):
    b, h, w, c = x.shape
    ws = [h if h <= window else window, w if w <= window else window]
    ss = [0 if h <= ws[0] else window // 2, 0 if w <= ws[1] else window // 2] if shifted else [0, 0]
    has_shift = any(ss)
    shifted_x = np.roll(x, shift=(-ss[0], -ss[1]), axis=(1, 2)) if has_shift else x
    win = window_partition(shifted_x, ws).reshape(-1, ws[0] * ws[1], c)
    mask = attn_mask(h, w, ws, ss) if has_shift else None
    a = window_attention(p, prefix + "/attn", win, ws, [pretrained, pretrained], heads, mask)
    a = window_reverse(a.reshape(-1, ws[0], ws[1], c), ws, h, w)
    if has_shift:
        a = np.roll(a, shift=(ss[0], ss[1]), axis=(1, 2))
    x = x + layer_norm(p, prefix + "/norm1", a, eps)
    hidden = int(c * mlp_ratio)
    y = dense(p, prefix + "/mlp/fc2", gelu(dense(p, prefix + "/mlp/fc1", x, hidden)), c)
    return x + layer_norm(p, prefix + "/norm2", y, eps)


def patch_merging(p, prefix, x, eps):
    # Microsoft's explicit strided version, to check the reshape/permute order independently.
    x0, x1 = x[:, 0::2, 0::2], x[:, 1::2, 0::2]
    x2, x3 = x[:, 0::2, 1::2], x[:, 1::2, 1::2]
    x = np.concatenate([x0, x1, x2, x3], -1)
    x = dense(p, prefix + "/reduction", x, x.shape[-1] // 2, bias=False)
    return layer_norm(p, prefix + "/norm", x, eps)


def patch_embed(p, images, cfg):
    b, h, w, ch = images.shape
    pt, e = cfg["patch"], cfg["embed"]
    dense_w = p.get("/patch_embed/proj/weights", pt * pt * ch, e)
    # The documented mapping: weights[(row*p+col)*ch+c, e] = conv[e, c, row, col].
    conv = np.zeros((e, ch, pt, pt))
    for r in range(pt):
        for col in range(pt):
            for c in range(ch):
                conv[:, c, r, col] = dense_w[(r * pt + col) * ch + c]
    nchw = images.transpose(0, 3, 1, 2)
    out = np.zeros((b, e, h // pt, w // pt))
    for r in range(pt):
        for col in range(pt):
            out += np.einsum("bchw,ec->behw", nchw[:, :, r::pt, col::pt], conv[:, :, r, col])
    out = out + p.get("/patch_embed/proj/biases", e)[None, :, None, None]
    x = out.transpose(0, 2, 3, 1)  # timm's output_fmt NHWC
    return layer_norm(p, "/patch_embed/norm", x, cfg["eps"])


def main():
    cfg = CFG
    b, h, w, ch = cfg["batch"], cfg["image_h"], cfg["image_w"], cfg["channels"]
    images = np.sin(0.37 * np.arange(b * h * w * ch)).astype(np.float32).astype(np.float64).reshape(b, h, w, ch)
    p = Params()
    x = patch_embed(p, images, cfg)
    for i, depth in enumerate(cfg["depths"]):
        if i > 0:
            x = patch_merging(p, f"/stage_{i}/downsample", x, cfg["eps"])
        for j in range(depth):
            x = block(p, f"/stage_{i}/block_{j}", x, cfg["heads"][i], cfg["windows"][i], cfg["pretrained"][i],
                      j % 2 == 1, cfg["eps"], cfg["mlp_ratio"])
    x = layer_norm(p, "/norm", x, cfg["eps"])
    json.dump(dict(config=cfg, param_shapes=p.shapes, output_shape=list(x.shape),
                   output=[round(float(v), 7) for v in x.reshape(-1)]), __import__("sys").stdout)


if __name__ == "__main__":
    main()
