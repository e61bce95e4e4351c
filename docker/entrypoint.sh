#!/usr/bin/env bash
# Container entrypoint: when a GPU is visible (docker run --gpus all), put
# GoMLX on the CUDA PJRT plugin installed in /opt/fgia/.venv (GOMLX_BACKEND,
# LD_LIBRARY_PATH for NVIDIA's pip libraries, XLA_FLAGS for libdevice and
# ptxas; scripts/gpu_bench.sh --env finds them), then run the command. The
# Jupyter server's environment is its kernels' environment, so notebooks and
# `fgia` in a terminal see the same backend. Without a GPU, fgia/backend
# picks XLA's CPU plugin. It runs under tini (the image's PID 1) as the
# image's user, and execs the command so that tini's signals reach it.
set -euo pipefail

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
	if exports="$(/opt/fgia/scripts/gpu_bench.sh --env)"; then
		eval "$exports"
		echo "fgia: GPU backend $GOMLX_BACKEND" >&2
	else
		echo "fgia: a GPU is visible but the CUDA plugin was not found; staying on the CPU" >&2
	fi
else
	echo "fgia: no GPU visible (run with --gpus all); GoMLX runs on the CPU" >&2
fi
exec "$@"
