#!/usr/bin/env bash
# Installs everything the fgia notebooks and their checks need, from package
# registries only, into the repository itself:
#
#   apt                 Debian packages: chromium (browser check), dataset-fashion-mnist (demo data)
#   .venv/              JupyterLab, nbconvert, nbclient, pandas, pyarrow, Pillow (pinned)
#   build/bin/          gonb, goimports and gopls (GoNB's Tab completion and
#                       hover docs), built from the pinned tools/go.mod
#   .venv/share/jupyter/kernels/gonb/
#                       the GoNB kernel spec, visible to .venv's jupyter only;
#                       its env puts build/bin first on the kernel's PATH
#   tests/browser/node_modules/
#                       playwright-core + @duckdb/node-api (npm ci, lockfile)
#   build/xla/          XLA's CPU PJRT plugin (pjrt_c_api_cpu_plugin.so) from the
#                       PyPI wheel lammps-jax-pjrt-cpu 0.11.2 (hash-pinned): the
#                       fast GoMLX backend on the CPU (fgia/backend finds it)
#
# Idempotent: each step is skipped when its stamp says it is already done, so a
# second run takes about a second.
#
# Usage: scripts/install_deps.sh [STEP...]
#   STEP is any of: apt venv gotools kernel npm xla (default: all of them).
# Environment: PYTHON (default python3) makes the venv; FGIA_FORCE=1 redoes all steps.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv"
BIN="$ROOT/build/bin"
KERNEL_DIR="$VENV/share/jupyter/kernels/gonb"
PYTHON="${PYTHON:-python3}"
FORCE="${FGIA_FORCE:-0}"

# Exact pins of the top-level packages, and of everything they resolve to.
PY_REQS="$ROOT/scripts/python-requirements.txt"
PY_LOCK="$ROOT/scripts/python-constraints.txt"

log() { printf '[install_deps] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

# stamp_ok FILE VALUE: true when FILE holds exactly VALUE (and FGIA_FORCE is not set).
stamp_ok() { [ "$FORCE" != 1 ] && [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"
	elif command -v sudo >/dev/null; then sudo "$@"
	else die "need root (or sudo) for: $*"
	fi
}

# Debian packages: the browser for the browser check, and Fashion-MNIST, the
# real images the demo set is built from.
APT_PACKAGES="chromium dataset-fashion-mnist"
apt_missing() {
	local p missing=()
	for p in $APT_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	echo "${missing[*]}"
}

step_apt() {
	local missing
	missing="$(apt_missing)"
	if [ -z "$missing" ]; then
		log "apt: present ($APT_PACKAGES)"
		return
	fi
	command -v apt-get >/dev/null || die "missing Debian packages ($missing) and there is no apt-get"
	log "apt: apt-get install -y $missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! as_root apt-get install -y --no-install-recommends $missing; then
		log "apt: install failed; running apt-get update and retrying"
		as_root apt-get update
		# shellcheck disable=SC2086
		as_root apt-get install -y --no-install-recommends $missing
	fi
	[ -z "$(apt_missing)" ] || die "still missing after apt-get: $(apt_missing)"
	[ -x /usr/bin/chromium ] || die "chromium installed but /usr/bin/chromium is missing"
}

step_venv() {
	local want
	want="$("$PYTHON" -c 'import sys; print(sys.version.split()[0])') $(sha "$PY_REQS" "$PY_LOCK")"
	if stamp_ok "$VENV/.fgia-stamp" "$want" && [ -x "$VENV/bin/jupyter" ]; then
		log "venv: up to date ($VENV)"
		return
	fi
	if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
		log "venv: creating $VENV with $PYTHON"
		rm -rf "$VENV"
		"$PYTHON" -m venv "$VENV"
	fi
	log "venv: pip install -r $PY_REQS"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install --quiet \
		-c "$PY_LOCK" -r "$PY_REQS"
	printf '%s' "$want" >"$VENV/.fgia-stamp"
}

step_gotools() {
	command -v go >/dev/null || die "go is not on PATH"
	[ -f "$ROOT/tools/go.mod" ] || die "missing $ROOT/tools/go.mod (pins gonb, goimports and gopls)"
	local want
	want="$(go env GOVERSION) $(sha "$ROOT/tools/go.mod" "$ROOT/tools/go.sum")"
	if stamp_ok "$BIN/.fgia-tools-stamp" "$want" && [ -x "$BIN/gonb" ] && [ -x "$BIN/goimports" ] && [ -x "$BIN/gopls" ]; then
		log "gotools: up to date ($BIN: gonb, goimports, gopls)"
		return
	fi
	log "gotools: go install tool (tools/go.mod) -> $BIN"
	mkdir -p "$BIN"
	(cd "$ROOT/tools" && GOBIN="$BIN" go install tool)
	# GoNB looks gopls up on the kernel's PATH (build/bin first, see the
	# kernel step); without it Tab completion does nothing.
	{ [ -x "$BIN/gonb" ] && [ -x "$BIN/goimports" ] && [ -x "$BIN/gopls" ]; } || die "go install tool did not produce gonb, goimports and gopls in $BIN"
	printf '%s' "$want" >"$BIN/.fgia-tools-stamp"
}

step_kernel() {
	[ -x "$BIN/gonb" ] || die "$BIN/gonb missing: run the gotools step first"
	[ -x "$VENV/bin/python" ] || die "$VENV missing: run the venv step first"
	local want
	want="$(cat "$BIN/.fgia-tools-stamp" 2>/dev/null) $BIN"
	if stamp_ok "$KERNEL_DIR/.fgia-stamp" "$want" && [ -f "$KERNEL_DIR/kernel.json" ]; then
		log "kernel: up to date ($KERNEL_DIR)"
		return
	fi
	log "kernel: gonb --install into $KERNEL_DIR"
	# JUPYTER_DATA_DIR makes gonb write <dir>/kernels/gonb/kernel.json; the venv's
	# share/jupyter is on the venv jupyter's data path, and on no other jupyter's.
	JUPYTER_DATA_DIR="$VENV/share/jupyter" PATH="$BIN:$PATH" \
		"$BIN/gonb" --install --force_deps --raw_error
	# Put build/bin (goimports; gonb) first on the kernel's PATH. jupyter_client
	# expands ${PATH} in kernel.json "env" from the server's environment.
	"$VENV/bin/python" - "$KERNEL_DIR/kernel.json" "$BIN" <<'EOF'
import json, sys
path, bindir = sys.argv[1], sys.argv[2]
with open(path) as f:
    spec = json.load(f)
spec.setdefault("env", {})["PATH"] = bindir + ":${PATH}"
with open(path, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
EOF
	local specs
	specs="$("$VENV/bin/jupyter" kernelspec list)"
	grep -q "^ *gonb *$KERNEL_DIR\$" <<<"$specs" || die "venv jupyter does not list the gonb kernel in $KERNEL_DIR: $specs"
	printf '%s' "$want" >"$KERNEL_DIR/.fgia-stamp"
}

step_npm() {
	local dir="$ROOT/tests/browser"
	[ -f "$dir/package-lock.json" ] || die "missing $dir/package-lock.json"
	command -v npm >/dev/null || die "npm is not on PATH"
	local want
	want="$(node --version) $(sha "$dir/package.json" "$dir/package-lock.json")"
	if stamp_ok "$dir/node_modules/.fgia-stamp" "$want"; then
		log "npm: up to date ($dir/node_modules)"
		return
	fi
	log "npm: npm ci in $dir"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
	printf '%s' "$want" >"$dir/node_modules/.fgia-stamp"
}

# XLA's CPU plugin, unpacked from a hash-pinned PyPI wheel (the only registry
# package found to ship one that GoMLX v0.26's go-xla loads).
XLA_WHEEL="lammps-jax-pjrt-cpu==0.11.2"
XLA_WHEEL_SHA256="1319390d948b39f69f7dade496b7c385149d9ca6097a6b62114da113216d9ad1"
XLA_SO_SHA256="ad1309ac822b1b24d51b7f9947c7c9fa9ef5d67f390584cbc3d1fa2428fed9c2"
step_xla() {
	local dir="$ROOT/build/xla" so="$ROOT/build/xla/pjrt_c_api_cpu_plugin.so"
	if stamp_ok "$dir/.fgia-stamp" "$XLA_SO_SHA256" && [ -f "$so" ]; then
		log "xla: present ($so)"
		return
	fi
	local tmp
	tmp="$(mktemp -d)"
	log "xla: pip download $XLA_WHEEL (hash-pinned) and unpack the plugin"
	printf '%s --hash=sha256:%s\n' "$XLA_WHEEL" "$XLA_WHEEL_SHA256" >"$tmp/req.txt"
	PIP_DISABLE_PIP_VERSION_CHECK=1 "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: \
		--platform manylinux_2_27_x86_64 --python-version 3.11 --require-hashes -r "$tmp/req.txt" -d "$tmp"
	mkdir -p "$dir"
	"$PYTHON" - "$tmp" "$so" <<'EOF'
import glob, os, sys, zipfile
tmp, so = sys.argv[1], sys.argv[2]
whl = glob.glob(os.path.join(tmp, "*.whl"))[0]
with zipfile.ZipFile(whl) as z, open(so + ".part", "wb") as out:
    out.write(z.read("lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so"))
os.chmod(so + ".part", 0o755)
os.replace(so + ".part", so)
EOF
	rm -rf "$tmp"
	echo "$XLA_SO_SHA256  $so" | sha256sum -c --quiet - || die "xla: $so does not have the pinned sha256"
	printf '%s' "$XLA_SO_SHA256" >"$dir/.fgia-stamp"
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(apt venv gotools kernel npm xla)
for s in "${steps[@]}"; do
	case "$s" in
	apt | venv | gotools | kernel | npm | xla) "step_$s" ;;
	*) die "unknown step '$s' (known: apt venv gotools kernel npm xla)" ;;
	esac
done
log "done"
