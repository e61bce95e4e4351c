#!/usr/bin/env python3
"""PyTorch peer of `fgia bench`: the same bench ViT, trained and then run for
inference on the CPU, back to back with the Go run on the same cores.

Model (must match fgia/model/vit's "bench" preset): 28x28x1 input, patch 4
(49 patches), width 64, 4 pre-norm blocks, 4 heads, MLP ratio 2 (GELU), a cls
token, learned position embedding, final LayerNorm (eps 1e-6), a linear head
on the cls token, 10 classes. AdamW lr 1e-3, weight decay 0.05. Training
batch 128, inference batch 500. Random inputs: the speed does not depend on
the pixels.

Prints, as its last line: train_img_per_s=X infer_img_per_s=Y, then the
process CPU seconds (every thread) per step and per inference batch
Run with Debian's python3-torch (1.13) and libopenblas0-pthread:
    /usr/bin/python3 scripts/bench_vit_torch.py --steps 30
"""
import argparse
import time

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, dim * mlp_ratio)
        self.fc2 = nn.Linear(dim * mlp_ratio, dim)

    def forward(self, x):
        b, n, d = x.shape
        h = self.norm1(x)
        qkv = self.qkv(h).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q @ k.transpose(-2, -1)) * (d // self.heads) ** -0.5
        h = (att.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, n, d)
        x = x + self.proj(h)
        return x + self.fc2(nn.functional.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, img=28, chans=1, patch=4, dim=64, depth=4, heads=4, mlp_ratio=2, classes=10):
        super().__init__()
        self.patch = nn.Conv2d(chans, dim, patch, patch)
        n = (img // patch) ** 2
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        self.blocks = nn.Sequential(*[Block(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30, help="timed training steps (after 5 warm-up steps)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: all cores)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ViT()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(128, 1, 28, 28)
    y = torch.randint(0, 10, (128,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    t, c = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    train = 128 * args.steps / (time.perf_counter() - t)
    train_cpu = (time.process_time() - c) / args.steps

    model.eval()
    xi = torch.randn(500, 1, 28, 28)
    with torch.no_grad():
        for _ in range(2):
            model(xi)
        n = max(args.steps // 3, 5)
        t, c = time.perf_counter(), time.process_time()
        for _ in range(n):
            model(xi)
        infer = 500 * n / (time.perf_counter() - t)
        infer_cpu = (time.process_time() - c) / n
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: {torch.__config__.show().count('OpenBLAS') and 'OpenBLAS' or 'other'}")
    print(f"train_img_per_s={train:.1f} infer_img_per_s={infer:.1f} "
          f"train_cpu_s_per_step={train_cpu:.3f} infer_cpu_s_per_batch={infer_cpu:.3f}")


if __name__ == "__main__":
    main()
