#!/usr/bin/env bash
# `fgia bench` against its PyTorch peer (scripts/bench_vit_torch.py), back to
# back on this machine: the bench ViT trained (batch 128) and run for
# inference (batch 500) on GoMLX's default backend (the XLA CPU plugin when
# installed), on the pure-Go backend, and in PyTorch (Debian's python3-torch
# 1.13 with OpenBLAS, at its default thread count and at every core). Prints
# the ratios and writes them to reports/bench-vit.txt.
#
# Usage: scripts/bench_vit.sh [STEPS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
steps="${1:-30}"
fgia=build/bin/fgia
py=/usr/bin/python3
$py -c 'import torch' 2>/dev/null || { echo "bench_vit: python3-torch is missing (make deps-bench installs it)" >&2; exit 1; }

last() { tail -n 1 | sed -n 's/.*train_img_per_s=\([0-9.]*\) infer_img_per_s=\([0-9.]*\).*/\1 \2/p'; }
default=$(unset GOMLX_BACKEND; $fgia bench --steps "$steps" 2>/dev/null | tee /dev/stderr | last)
purego=$(GOMLX_BACKEND=go:parallelism=-1 $fgia bench --steps "$((steps / 3 + 1))" 2>/dev/null | grep -v '^SimpleGo' | tee /dev/stderr | last)
torch_default=$($py scripts/bench_vit_torch.py --steps "$steps" | tee /dev/stderr | last)
torch_all=$($py scripts/bench_vit_torch.py --steps "$steps" --threads "$(nproc)" | tee /dev/stderr | last)
read -r dt di <<<"$default"
read -r gt gi <<<"$purego"
read -r t1t t1i <<<"$torch_default"
read -r tat tai <<<"$torch_all"
{
  echo "fgia bench vs PyTorch, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "model: vit-bench (28x28x1, patch 4, D 64, 4 blocks, 4 heads, MLP 2, cls, 10 classes); train batch 128 AdamW, infer batch 500"
  printf "%-34s %10s %10s\n" "" "train img/s" "infer img/s"
  printf "%-34s %10s %10s\n" "GoMLX, default backend (XLA CPU)" "$dt" "$di"
  printf "%-34s %10s %10s\n" "GoMLX, pure Go (simplego)" "$gt" "$gi"
  printf "%-34s %10s %10s\n" "PyTorch 1.13, default threads" "$t1t" "$t1i"
  printf "%-34s %10s %10s\n" "PyTorch 1.13, $(nproc) threads" "$tat" "$tai"
  awk -v dt="$dt" -v di="$di" -v gt="$gt" -v gi="$gi" -v a="$t1t" -v b="$t1i" -v c="$tat" -v d="$tai" 'BEGIN {
    pt = (a > c) ? a : c; pi = (b > d) ? b : d
    printf "peer = the faster PyTorch setting: train %.1f, infer %.1f img/s\n", pt, pi
    printf "ratio default backend / PyTorch: train %.2fx, infer %.2fx\n", dt / pt, di / pi
    printf "ratio pure Go / PyTorch:         train %.2fx, infer %.2fx\n", gt / pt, gi / pi
  }'
} | tee reports/bench-vit.txt
