#!/usr/bin/env bash
# Installs the peers of scripts/bench_realistic.sh, pinned, into build/:
#
#   build/venv-bench/  timm (scripts/bench-peers-torch.txt, --no-deps) over
#                      Debian's python3-torch 1.13 and libopenblas0-pthread
#                      (make deps-bench installs those), seen through
#                      --system-site-packages
#   build/venv-jax/    jax and jaxlib for the CPU (scripts/bench-peers-jax.txt),
#                      a venv of its own: jax wants a newer numpy than the one
#                      Debian's torch is built against
#
# Idempotent: a venv whose stamp matches its requirements file is kept.
# Usage: scripts/install_bench_peers.sh [torch] [jax]   (default: both)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py=/usr/bin/python3
log() { printf '[install_bench_peers] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

$py -c 'import venv, ensurepip' 2>/dev/null || die "python3-venv is missing (apt-get install python3-venv)"

# venv DIR REQS [venv flags...] [-- pip flags...]
venv() {
	local dir="$1" reqs="$2" want
	shift 2
	local vflags=() pflags=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do vflags+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	pflags=("$@")
	want="$($py -c 'import sys; print(sys.version.split()[0])') $(sha256sum "$reqs" | cut -d' ' -f1)"
	if [ -f "$dir/.fgia-stamp" ] && [ "$(cat "$dir/.fgia-stamp")" = "$want" ]; then
		log "$dir: up to date"
		return
	fi
	log "$dir: creating from $reqs"
	rm -rf "$dir"
	$py -m venv "${vflags[@]}" "$dir"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/bin/python" -m pip install --quiet "${pflags[@]}" -r "$reqs"
	printf '%s' "$want" >"$dir/.fgia-stamp"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(torch jax)
for s in "${steps[@]}"; do
	case "$s" in
	torch)
		$py -c 'import torch' 2>/dev/null || die "python3-torch is missing (make deps-bench installs it)"
		venv "$root/build/venv-bench" "$root/scripts/bench-peers-torch.txt" --system-site-packages -- --no-deps
		;;
	jax) venv "$root/build/venv-jax" "$root/scripts/bench-peers-jax.txt" ;;
	*) die "unknown peer '$s' (known: torch jax)" ;;
	esac
done
