#!/usr/bin/env bash
# The matrix products of a ViT-S/16-224 training step, each alone: XLA's CPU
# plugin as fgia drives it (fgia/gemm BenchmarkDotViTS16) against OpenBLAS in
# Debian's torch 1.13 (scripts/gemm_shapes_torch.py), on one core (both
# pinned with taskset, torch at 1 thread) and on every core, in alternating
# rounds. It answers one question of issue 15: how fast are the GEMM
# libraries themselves at these shapes, apart from everything else in a step?
#
# Usage: scripts/gemm_shapes.sh [-r ROUNDS] [-o REPORT]   (default 3, reports/gemm-shapes.md)
# About a minute per round on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds=3 report=reports/gemm-shapes.md
while getopts "r:o:" opt; do
	case "$opt" in
	r) rounds="$OPTARG" ;;
	o) report="$OPTARG" ;;
	*) echo "usage: $0 [-r ROUNDS] [-o REPORT]" >&2; exit 2 ;;
	esac
done
scripts/install_bench_peers.sh torch
torch=build/venv-bench/bin/python
mkdir -p build
go test -c -o build/gemm.test ./fgia/gemm
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT
cores="$(nproc)"
for round in $(seq "$rounds"); do
	for setting in one all; do
		pin=() threads="$cores"
		[ "$setting" = one ] && pin=(taskset -c 0) threads=1
		# The one-minute load average lags; the count of running processes
		# (less this script's own reader) says whether anything else runs now.
		load="$(awk '{ split($4, a, "/"); print $1, a[1] - 1 }' /proc/loadavg)"
		echo "gemm_shapes: round $round, $setting core(s), load and others running: $load" >&2
		"${pin[@]}" build/gemm.test -test.run XXX -test.bench DotViTS16 -test.benchtime 5x |
			awk -v r="$round" -v s="$setting" -v l="$load" '/^BenchmarkDotViTS16\// {
				split($1, a, "/"); sub(/-[0-9]+$/, "", a[2])
				for (i = 1; i <= NF; i++) { if ($i == "GFLOP/s") g = $(i-1); if ($i == "cpu_s/op") c = $(i-1) }
				print "fgia", s, r, l, a[2], g, c }' >>"$raw"
		(cd scripts && "${pin[@]}" "../$torch" gemm_shapes_torch.py --threads "$threads") |
			awk -v r="$round" -v s="$setting" -v l="$load" '{ print "pytorch", s, r, l, $1, $2, $3, $4 }' >>"$raw"
	done
done
python3 scripts/gemm_shapes_report.py "$raw" "$(date -u +%Y-%m-%dT%H:%MZ)" "$cores" >"$report"
echo "gemm_shapes: wrote $report" >&2
