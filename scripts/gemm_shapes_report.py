#!/usr/bin/env python3
"""Markdown report of scripts/gemm_shapes.sh.

Input rows: PEER SETTING ROUND LOAD RUNNING PRODUCT GFLOP_PER_S CPU_S [GFLOP]
(RUNNING: other processes running when the round started); the
product sizes come from the PyTorch rows. Per setting (one core, every
core): each product's median GFLOP/s and range over the rounds on each side,
the ratio of the medians, and the time one ViT-S block's products take at
those medians (the step has 12 blocks).

Usage: gemm_shapes_report.py RAW DATE CORES
"""
import statistics
import sys
from collections import defaultdict


def main():
    raw, date, cores = sys.argv[1], sys.argv[2], sys.argv[3]
    rate = defaultdict(list)  # (peer, setting, product) -> GFLOP/s per round
    loads, running = defaultdict(list), defaultdict(list)
    size, order = {}, []
    for line in open(raw):
        f = line.split()
        peer, setting, _, load, others, product, gflops = f[:7]
        rate[peer, setting, product].append(float(gflops))
        loads[setting].append(float(load))
        running[setting].append(int(others))
        if peer == "pytorch":
            size[product] = float(f[8])
        if product not in order:
            order.append(product)
    print("# The GEMM libraries alone at ViT-S/16-224's shapes (CPU)\n")
    print(f"Run {date} on {cores} cores by `scripts/gemm_shapes.sh` (`make bench-gemm`): every matrix product of")
    print("one ViT-S/16 block in a training step at batch 16 (3,152 tokens), each timed alone, on XLA's CPU")
    print("plugin as fgia drives it (`fgia/gemm` BenchmarkDotViTS16: YNNPACK for most dots, Eigen where an")
    print("operand comes transposed) and with `torch.matmul` in Debian's torch 1.13 + OpenBLAS. A `_wgrad`")
    print("product is a weight gradient: its left operand is stored with the token axis outermost.")
    print("GFLOP/s of wall time, median over the rounds (range in brackets).\n")
    for setting, title in (("one", "One core (both pinned to core 0, torch at 1 thread)"), ("all", f"Every core ({cores}; torch at {cores} threads)")):
        if not loads[setting]:
            continue
        print(f"## {title}\n")
        print(f"Load average before the runs: {min(loads[setting]):.2f}-{max(loads[setting]):.2f}; other processes running then: "
              f"{min(running[setting])}-{max(running[setting])}.\n")
        print("| product | GFLOP | fgia (XLA) | PyTorch (OpenBLAS) | fgia / PyTorch |")
        print("|---|---:|---:|---:|---:|")
        secs = {"fgia": 0.0, "pytorch": 0.0}
        for product in order:
            cells = []
            for peer in ("fgia", "pytorch"):
                v = rate[peer, setting, product]
                med = statistics.median(v)
                secs[peer] += size[product] / med
                cells.append((med, f"{med:.1f} ({min(v):.1f}-{max(v):.1f})"))
            print(f"| {product} | {size[product]:.2f} | {cells[0][1]} | {cells[1][1]} | {cells[0][0] / cells[1][0]:.2f}x |")
        print(f"| one block's products | {sum(size.values()):.1f} | {secs['fgia'] * 1e3:.0f} ms | {secs['pytorch'] * 1e3:.0f} ms | {secs['pytorch'] / secs['fgia']:.2f}x |")
        print()


if __name__ == "__main__":
    main()
