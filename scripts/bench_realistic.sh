#!/usr/bin/env bash
# fgia against PyTorch and JAX at realistic sizes on this machine's CPU:
# ViT-S/16 at 224 and Swin-V2-T at 256 (window 16), 5000 classes, trained
# at batch 16 with AdamW and run for inference at batch 64 — and, as a
# check that the small model stays ahead, the bench ViT of `make bench-vit`
# (28x28, batches 128 and 500).
#
#   fgia     `fgia bench --preset vit-s16-224 | swinv2-t | vit-bench` on the
#            default backend (XLA's CPU plugin, build/xla)
#   PyTorch  timm's vit_small_patch16_224 (global_pool="avg", drop path 0.1:
#            fgia's vit-s16-224) and swinv2_tiny_window16_256 (drop path
#            0.2) in Debian's torch 1.13 + OpenBLAS at every core
#            (scripts/bench_realistic_torch.py); the bench ViT with
#            scripts/bench_vit_torch.py at 1 thread, its faster setting
#   JAX      the same models in plain JAX, jit-compiled
#            (scripts/bench_realistic_jax.py)
#
# The peers run back to back in alternating rounds (fgia, PyTorch, JAX, then
# again), each in a fresh process; the report gives per peer the median and
# the range over the rounds, and the ratios of the medians. Every round
# notes the load average before it: figures taken while other jobs run are
# noisy (the wall-clock figures are shared cores; fgia also reports its CPU
# seconds per step, which depend much less on other jobs).
#
# Usage: scripts/bench_realistic.sh [-r ROUNDS] [-m MODELS] [-o REPORT]
#   ROUNDS  rounds per model (default 3)
#   MODELS  comma-separated: vit, swin, tiny (default vit,swin,tiny)
#   REPORT  the Markdown report (default reports/bench-realistic.md)
# About 4 minutes per ViT-S round and 6 per Swin-V2-T round on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds=3 models=vit,swin,tiny report=reports/bench-realistic.md
while getopts "r:m:o:" opt; do
	case "$opt" in
	r) rounds="$OPTARG" ;;
	m) models="$OPTARG" ;;
	o) report="$OPTARG" ;;
	*) echo "usage: $0 [-r ROUNDS] [-m vit,swin,tiny] [-o REPORT]" >&2; exit 2 ;;
	esac
done
fgia=build/bin/fgia
[ -x "$fgia" ] || { echo "bench_realistic: $fgia is missing (make build)" >&2; exit 1; }
scripts/install_bench_peers.sh
torch=build/venv-bench/bin/python
jax=build/venv-jax/bin/python
raw="$(mktemp)"
trap 'rm -f "$raw"' EXIT

# Timed steps: short runs, so that a round takes minutes.
fgia_args() {
	case "$1" in
	vit) echo "--preset vit-s16-224 --steps 3 --warmup 2 --infer-steps 3" ;;
	swin) echo "--preset swinv2-t --steps 3 --warmup 2 --infer-steps 3" ;;
	tiny) echo "--steps 30" ;;
	esac
}
torch_cmd() {
	case "$1" in
	tiny) echo "$torch scripts/bench_vit_torch.py --steps 30 --threads 1" ;;
	*) echo "$torch scripts/bench_realistic_torch.py --model $1 --steps 3 --warmup 2 --infer-steps 3" ;;
	esac
}
jax_cmd() {
	case "$1" in
	tiny) echo "$jax scripts/bench_realistic_jax.py --model tiny --steps 30 --warmup 3 --infer-steps 10" ;;
	*) echo "$jax scripts/bench_realistic_jax.py --model $1 --steps 3 --warmup 2 --infer-steps 3" ;;
	esac
}
# run MODEL PEER ROUND CMD...: the last line's figures, as a row of $raw.
run() {
	local model="$1" peer="$2" round="$3" load out
	shift 3
	load="$(cut -d' ' -f1 /proc/loadavg)"
	out="$("$@" 2>/dev/null)" || true
	# fgia names the model's forward FLOPs per image: the report turns rates into GFLOP/s.
	flops="$(sed -n 's/.* \([0-9.]*\) GFLOP forward per image.*/gflop_fwd=\1/p' <<<"$out")"
	echo "$model $peer $round load=$load $(tail -n 1 <<<"$out") $flops" | tee -a "$raw" >&2
}
# peak: the machine's measured FMA peak (scripts/cpu_peak.c), when a C compiler is at hand.
peak() {
	if [ ! -x build/cpu_peak ] || [ scripts/cpu_peak.c -nt build/cpu_peak ]; then
		cc -O2 -mavx2 -mfma -pthread scripts/cpu_peak.c -o build/cpu_peak 2>/dev/null || return 0
	fi
	echo "peak - $1 load=$(cut -d' ' -f1 /proc/loadavg) $(build/cpu_peak | tail -n 1)" | tee -a "$raw" >&2
}

started="$(date -u +%Y-%m-%dT%H:%MZ)"
peak 0
IFS=, read -r -a model_list <<<"$models"
for model in "${model_list[@]}"; do
	[ -n "$(fgia_args "$model")" ] || { echo "bench_realistic: unknown model '$model' (vit, swin, tiny)" >&2; exit 2; }
	for round in $(seq 1 "$rounds"); do
		# shellcheck disable=SC2046 # the argument lists split on purpose
		run "$model" fgia "$round" env -u GOMLX_BACKEND $fgia bench $(fgia_args "$model")
		# shellcheck disable=SC2046
		run "$model" pytorch "$round" $(torch_cmd "$model")
		# shellcheck disable=SC2046
		run "$model" jax "$round" $(jax_cmd "$model")
	done
done

peak 1
versions="fgia $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- fgia || echo '+changes'), XLA CPU plugin lammps-jax-pjrt-cpu 0.11.2; $($torch -c 'import torch, importlib.metadata as m; print("torch", torch.__version__, "+ OpenBLAS, timm", m.version("timm"))'); $($jax -c 'import jax, jaxlib.version; print(f"jax {jax.__version__}, jaxlib {jaxlib.version.__version__}")')"
/usr/bin/python3 scripts/bench_realistic_report.py "$raw" \
	--started "$started" --versions "$versions" \
	--machine "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB" \
	>"$report"
cat "$report"
