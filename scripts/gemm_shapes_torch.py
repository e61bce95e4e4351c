#!/usr/bin/env python3
"""PyTorch peer of fgia/gemm's BenchmarkDotViTS16: the matrix products of one
ViT-S/16-224 training step at batch 16, each timed alone with torch.matmul
(OpenBLAS's sgemm in Debian's torch 1.13). The list is the benchmark's;
keep the two in step. A weight gradient's left operand is stored with the
token axis outermost and handed over transposed, as autograd does; BLAS
takes the transposed operand in its packing.

One line per product, in the Go benchmark's units, and the product's size:

  NAME GFLOP_PER_S CPU_S_PER_OP GFLOP

Run in build/venv-bench (scripts/gemm_shapes.sh runs both sides):
    build/venv-bench/bin/python scripts/gemm_shapes_torch.py --threads 1
"""
import argparse

import torch

from bench_timing import timed

# name, batch, m, k, n, lhs stored [k, m], rhs stored [n, k]
PRODUCTS = [
    ("qkv", 1, 3152, 384, 1152, False, False),
    ("proj", 1, 3152, 384, 384, False, False),
    ("fc1", 1, 3152, 384, 1536, False, False),
    ("fc2", 1, 3152, 1536, 384, False, False),
    ("scores", 96, 197, 64, 197, False, True),
    ("values", 96, 197, 197, 64, False, False),
    ("fc1_wgrad", 1, 384, 3152, 1536, True, False),
    ("fc2_wgrad", 1, 1536, 3152, 384, True, False),
    ("qkv_wgrad", 1, 384, 3152, 1152, True, False),
]


def operands(batch, m, k, n, lhs_k_major, rhs_n_major):
    """The two operands, as views in the layout the product receives them."""
    fill = lambda *dims: (torch.arange(batch * dims[0] * dims[1]) % 17).float().mul(0.01).sub(0.08).reshape(batch, *dims)
    lhs = fill(k, m).transpose(1, 2) if lhs_k_major else fill(m, k)
    rhs = fill(n, k).transpose(1, 2) if rhs_n_major else fill(k, n)
    if batch == 1:
        lhs, rhs = lhs[0], rhs[0]
    return lhs, rhs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default, every core)")
    ap.add_argument("--steps", type=int, default=5, help="timed calls per product (after 2 warm-up calls)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    for name, batch, m, k, n, lhs_k_major, rhs_n_major in PRODUCTS:
        lhs, rhs = operands(batch, m, k, n, lhs_k_major, rhs_n_major)
        times, cpu = timed(lambda: torch.matmul(lhs, rhs), 2, args.steps)  # noqa: B023
        flop = 2 * batch * m * k * n
        print(f"{name} {flop / (sum(times) / len(times)) / 1e9:.1f} {cpu:.5f} {flop / 1e9:.4f}", flush=True)


if __name__ == "__main__":
    main()
