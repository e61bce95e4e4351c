#!/usr/bin/env bash
# gpu_bench.sh: `fgia bench` for the champion's model sizes on a GPU machine,
# from the binary `make gpu-binary` cross-built (Go is not installed there),
# on the CUDA PJRT plugin of the machine's jax-cuda13-pjrt install. Writes a
# Markdown log (GPU, driver, plugin, figures, MFU) and stays within a time
# budget (default 450 s, compilation included).
#
#   scripts/gpu_bench.sh             run and write the log
#   scripts/gpu_bench.sh --dry-run   find GPU, plugin and libraries; print the plan
#   scripts/gpu_bench.sh --env       print the exports that put the kit on the
#                                    CUDA plugin (eval "$(scripts/gpu_bench.sh --env)")
#
# Environment (all optional):
#   FGIA_BIN            the fgia binary (default build/gpu/fgia, else ./fgia beside this script)
#   FGIA_CUDA_PLUGIN    xla_cuda_plugin.so to use instead of searching site-packages
#   FGIA_CUDA_DATA_DIR  folder with nvvm/libdevice and bin/ptxas (default: searched)
#   FGIA_GPU_RUNS       runs, "preset:precision[:batch]" separated by spaces
#                       (default "vit-l16-448:bf16 swinv2-l-384:bf16 vit-l16-448:f32")
#   FGIA_GPU_STEPS      timed training steps per run (default 20)
#   FGIA_GPU_BUDGET_S   overall budget in seconds (default 450)
#   FGIA_PJRT_OPTIONS   PJRT client options (default memory_fraction=0.9)
#   FGIA_PEAK_TFLOPS    per-GPU bf16 peak for MFU (default 989: H100 and H200)
#   OUT                 folder for gpu-bench.md and gpu-bench.log (default reports/)
set -euo pipefail

start=$SECONDS
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
dry=0
env_only=0
case "${1:-}" in
--dry-run) dry=1 ;;
--env) env_only=1 ;;
"") ;;
-h | --help)
	sed -n '2,24p' "$0"
	exit 0
	;;
*)
	echo "gpu_bench.sh: unknown argument '$1' (try --help)" >&2
	exit 2
	;;
esac

budget=${FGIA_GPU_BUDGET_S:-450}
steps=${FGIA_GPU_STEPS:-20}
runs=${FGIA_GPU_RUNS:-"vit-l16-448:bf16 swinv2-l-384:bf16 vit-l16-448:f32"}
peak=${FGIA_PEAK_TFLOPS:-989}
export FGIA_PJRT_OPTIONS="${FGIA_PJRT_OPTIONS-memory_fraction=0.9}"
outdir="${OUT:-$root/reports}"
md="$outdir/gpu-bench.md"
log="$outdir/gpu-bench.log"

die() {
	echo "gpu_bench.sh: $*" >&2
	exit 1
}
note() { echo "gpu_bench.sh: $*" >&2; }

# --- the GPU -----------------------------------------------------------------
gpu_ok=1
if ! command -v nvidia-smi >/dev/null 2>&1; then
	gpu_ok=0
	gpu_why="nvidia-smi not found"
elif ! nvidia-smi -L >/dev/null 2>&1; then
	gpu_ok=0
	gpu_why="nvidia-smi finds no GPU: $(nvidia-smi -L 2>&1 | head -n 1)"
fi

# --- the CUDA PJRT plugin and NVIDIA's pip libraries -------------------------
site_dirs() {
	local py
	for py in python3 python; do
		if command -v "$py" >/dev/null 2>&1; then
			"$py" - <<'EOF' 2>/dev/null || true
import site, sys
dirs = list(getattr(site, "getsitepackages", lambda: [])())
dirs.append(site.getusersitepackages())
dirs += [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
print("\n".join(dirs))
EOF
		fi
	done
	compgen -G "/usr/local/lib/python3*/dist-packages" || true
	compgen -G "/usr/local/lib/python3*/site-packages" || true
	compgen -G "/usr/lib/python3*/dist-packages" || true
	compgen -G "/opt/conda/lib/python3*/site-packages" || true
	compgen -G "/opt/*/lib/python3*/site-packages" || true
	compgen -G "$HOME/.local/lib/python3*/site-packages" || true
	compgen -G "$root/.venv/lib/python3*/site-packages" || true
}

plugin="${FGIA_CUDA_PLUGIN:-}"
if [ -z "$plugin" ]; then
	while IFS= read -r d; do
		[ -d "$d" ] || continue
		for p in "$d"/jax_plugins/xla_cuda*/xla_cuda_plugin.so; do
			if [ -f "$p" ]; then
				plugin="$p"
				break 2
			fi
		done
	done < <(site_dirs | awk '!seen[$0]++')
fi
if [ -z "$plugin" ]; then
	# Last resort: a bounded search of the usual install roots.
	plugin="$(timeout 30 find /usr /opt /root /home -xdev -maxdepth 9 -name xla_cuda_plugin.so -path '*jax_plugins*' 2>/dev/null | head -n 1 || true)"
fi
plugin_ok=1
if [ -z "$plugin" ] || [ ! -f "$plugin" ]; then
	plugin_ok=0
	plugin_why="no xla_cuda_plugin.so (pip install jax-cuda13-pjrt, or set FGIA_CUDA_PLUGIN)"
else
	# Load it from its own folder, never through a symlink: its RPATH is relative.
	plugin="$(readlink -f "$plugin")"
fi

site=""
plugin_version="unknown"
if [ "$plugin_ok" = 1 ]; then
	site="$(dirname "$(dirname "$(dirname "$plugin")")")" # .../site-packages
	dist="$(compgen -G "$site/jax_cuda*_pjrt-*.dist-info" | head -n 1 || true)"
	if [ -n "$dist" ]; then
		plugin_version="$(basename "$dist" .dist-info)"
	fi
fi

libdirs=""
data_dir="${FGIA_CUDA_DATA_DIR:-}"
if [ -n "$site" ] && [ -d "$site/nvidia" ]; then
	while IFS= read -r d; do
		libdirs="${libdirs:+$libdirs:}$d"
	done < <(find "$site/nvidia" -maxdepth 3 -type d -name lib 2>/dev/null | sort)
	if [ -z "$data_dir" ]; then
		# XLA wants <dir>/nvvm/libdevice and <dir>/bin/ptxas: prefer a folder with both.
		while IFS= read -r bc; do
			d="$(dirname "$(dirname "$(dirname "$bc")")")"
			[ -z "$data_dir" ] && data_dir="$d"
			if [ -x "$d/bin/ptxas" ]; then
				data_dir="$d"
				break
			fi
		done < <(find "$site/nvidia" -maxdepth 5 -path '*nvvm/libdevice/libdevice*.bc' 2>/dev/null | sort)
	fi
fi
if [ -z "$data_dir" ] && [ -d /usr/local/cuda/nvvm/libdevice ]; then
	data_dir=/usr/local/cuda
fi

export GOMLX_NO_AUTO_INSTALL=1
export GOPJRT_CUDA_CHECKS=0 # go-xla's check guesses a wrong nvidia/ folder for pip layouts
if [ "$plugin_ok" = 1 ]; then
	export GOMLX_BACKEND="xla:$plugin"
fi
if [ -n "$libdirs" ]; then
	export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
if [ -n "$data_dir" ]; then
	# Set it ourselves: go-xla v0.1.4 would otherwise write a path of its
	# author's machine into XLA_FLAGS when it finds an nvidia/ folder.
	export XLA_FLAGS="--xla_gpu_cuda_data_dir=$data_dir${XLA_FLAGS:+ $XLA_FLAGS}"
fi

if [ "$env_only" = 1 ]; then
	[ "$plugin_ok" = 1 ] || die "$plugin_why"
	for v in GOMLX_BACKEND GOMLX_NO_AUTO_INSTALL GOPJRT_CUDA_CHECKS LD_LIBRARY_PATH XLA_FLAGS; do
		[ -n "${!v:-}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	exit 0
fi

# --- the binary --------------------------------------------------------------
bin="${FGIA_BIN:-}"
if [ -z "$bin" ]; then
	for b in "$root/build/gpu/fgia" "$here/fgia"; do
		if [ -x "$b" ]; then
			bin="$b"
			break
		fi
	done
fi
bin_ok=1
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
	bin_ok=0
	bin_why="no fgia binary: run \`make gpu-binary\` on the build machine (writes build/gpu/fgia) or set FGIA_BIN"
else
	bin="$(readlink -f "$bin")"
fi

plan() {
	echo "binary:          $([ "$bin_ok" = 1 ] && echo "$bin" || echo "NONE ($bin_why)")"
	echo "GPU:             $([ "$gpu_ok" = 1 ] && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n 1 || echo "NONE ($gpu_why)")"
	echo "plugin:          $([ "$plugin_ok" = 1 ] && echo "$plugin ($plugin_version)" || echo "NONE ($plugin_why)")"
	echo "GOMLX_BACKEND:   ${GOMLX_BACKEND:-}"
	echo "LD_LIBRARY_PATH: ${LD_LIBRARY_PATH:-}"
	echo "XLA_FLAGS:       ${XLA_FLAGS:-} $([ -n "$data_dir" ] && [ ! -x "$data_dir/bin/ptxas" ] && echo "(no bin/ptxas there: XLA falls back to the driver's compiler)")"
	echo "PJRT options:    $FGIA_PJRT_OPTIONS"
	echo "runs:            $runs ($steps timed steps each, budget ${budget}s, peak ${peak} TFLOP/s)"
	echo "log:             $md"
}

if [ "$dry" = 1 ]; then
	plan
	if [ "$gpu_ok" = 0 ] || [ "$plugin_ok" = 0 ] || [ "$bin_ok" = 0 ]; then
		die "dry run: not runnable here: $([ "$gpu_ok" = 0 ] && echo "$gpu_why. ")$([ "$plugin_ok" = 0 ] && echo "$plugin_why. ")$([ "$bin_ok" = 0 ] && echo "$bin_why.")"
	fi
	note "dry run: ready"
	exit 0
fi
[ "$bin_ok" = 1 ] || die "$bin_why"
[ "$gpu_ok" = 1 ] || die "no GPU: $gpu_why"
[ "$plugin_ok" = 1 ] || die "$plugin_why"

mkdir -p "$outdir"
: >"$log"
{
	echo "# fgia bench on GPU"
	echo
	echo "Written by scripts/gpu_bench.sh on $(date -u '+%Y-%m-%d %H:%M UTC'), host $(hostname)."
	echo
	echo '```'
	plan
	echo "glibc:           $(ldd --version 2>/dev/null | head -n 1)"
	echo '```'
	echo
	echo '```'
	nvidia-smi || true
	echo '```'
	echo
	echo "| preset | precision | batch/GPU | compile (first step) | train img/s | train MFU | infer img/s | infer MFU |"
	echo "|---|---|---|---|---|---|---|---|"
} >"$md"

# A small model first: a broken plugin or library path shows in seconds, not
# after minutes of compiling ViT-L.
note "smoke test: fgia bench --preset vit-bench --steps 5"
set +e
smoke="$(timeout 120 "$bin" bench --preset vit-bench --steps 5 --warmup 1 2>&1)"
rc=$?
set -e
printf '## smoke test: fgia bench --preset vit-bench --steps 5\n%s\n\n' "$smoke" >>"$log"
printf '%s\n' "$smoke" >&2
if [ "$rc" -ne 0 ] && grep -q "PJRT_Client_Create" <<<"$smoke" && [ -n "$FGIA_PJRT_OPTIONS" ]; then
	note "the plugin refused PJRT options '$FGIA_PJRT_OPTIONS': going on without them"
	FGIA_PJRT_OPTIONS=""
	rc=0
fi
if [ "$rc" -ne 0 ]; then
	echo "| vit-bench (smoke test) | f32 | | failed (exit $rc): see the output below | | | | |" >>"$md"
	runs=""
fi

status=$rc
for r in $runs; do
	IFS=: read -r preset precision batch <<<"$r"
	precision=${precision:-bf16}
	left=$((budget - (SECONDS - start)))
	if [ "$left" -lt 60 ]; then
		note "skipping $r: ${left}s of the budget left"
		echo "| $preset | $precision | | skipped: budget | | | | |" >>"$md"
		continue
	fi
	args=(bench --preset "$preset" --precision "$precision" --steps "$steps" --warmup 2 --peak-tflops "$peak")
	[ -n "${batch:-}" ] && args+=(--batch "$batch")
	note "run $r (timeout ${left}s): $bin ${args[*]}"
	echo "## $r: fgia ${args[*]}" >>"$log"
	set +e
	out="$(timeout --signal=TERM --kill-after=10 "$left" "$bin" "${args[@]}" 2>&1)"
	rc=$?
	if [ "$rc" -ne 0 ] && [ -n "$FGIA_PJRT_OPTIONS" ] && grep -q "PJRT_Client_Create" <<<"$out"; then
		note "the plugin refused PJRT options '$FGIA_PJRT_OPTIONS': retrying without them"
		printf '%s\n(retried without PJRT options)\n' "$out" >>"$log"
		FGIA_PJRT_OPTIONS=""
		left=$((budget - (SECONDS - start)))
		out="$(timeout --signal=TERM --kill-after=10 "$left" "$bin" "${args[@]}" 2>&1)"
		rc=$?
	fi
	set -e
	printf '%s\n\n' "$out" >>"$log"
	printf '%s\n' "$out" >&2
	if [ "$rc" -ne 0 ]; then
		status=1
		why="exit $rc"
		[ "$rc" = 124 ] && why="timed out"
		echo "| $preset | $precision | | failed ($why): $(grep -m1 -iE 'error|fail|out of memory|RESOURCE_EXHAUSTED' <<<"$out" | cut -c1-120 | tr '|' '/') | | | | |" >>"$md"
		continue
	fi
	bpd="$(sed -n 's/.*(batch \([0-9]*\) per device).*/\1/p' <<<"$out" | head -n 1)"
	compile="$(sed -n 's/.*first step (compilation) \([^,]*\),.*/\1/p' <<<"$out" | head -n 1)"
	tmfu="$(sed -n 's/^train:.*MFU \([0-9.e+-]*%\).*/\1/p' <<<"$out" | head -n 1)"
	imfu="$(sed -n 's/^infer:.*MFU \([0-9.e+-]*%\).*/\1/p' <<<"$out" | head -n 1)"
	last="$(tail -n 1 <<<"$out")"
	timg="$(sed -n 's/.*train_img_per_s=\([0-9.]*\).*/\1/p' <<<"$last")"
	iimg="$(sed -n 's/.*infer_img_per_s=\([0-9.]*\).*/\1/p' <<<"$last")"
	echo "| $preset | $precision | $bpd | $compile | $timg | $tmfu | $iimg | $imfu |" >>"$md"
done

{
	if [ -z "$runs" ]; then
		echo
		echo "The smoke test failed: no model was measured."
	fi
	echo
	echo "MFU: model FLOPs (matmuls, 2 per multiply-add; training = 3x forward) over ${peak} TFLOP/s per GPU"
	echo "(H100 SXM dense bf16; the H200 has the same compute). Total wall time $((SECONDS - start)) s."
	echo
	echo "<details><summary>full output</summary>"
	echo
	echo '```'
	cat "$log"
	echo '```'
	echo
	echo "</details>"
} >>"$md"
note "wrote $md ($((SECONDS - start)) s)"
exit "$status"
