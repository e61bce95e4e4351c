#!/usr/bin/env bash
# Runs the fgia GoNB notebooks headless, and checks one in a real browser.
# Everything it uses comes from scripts/install_deps.sh.
#
# Usage:
#   scripts/run_notebooks.sh execute [NOTEBOOK.ipynb...]
#       Executes each notebook (default: notebooks/*.ipynb) in place with
#       nbconvert; fails on any cell error, and on any failed `!`/`!*` shell line
#       (GoNB reports those as an "exit status N" stderr output but does not fail
#       the cell). Then signs them (jupyter trust).
#   scripts/run_notebooks.sh browser NOTEBOOK [ARTIFACT_DIR]
#       Starts JupyterLab on a free 127.0.0.1 port (no token, root_dir = repo
#       root), opens NOTEBOOK (path relative to the repo root, e.g.
#       notebooks/hello.ipynb) in headless Chromium, asserts a PNG output image is
#       shown, and keeps the screenshot as ARTIFACT_DIR/<notebook name>.png
#       (default ARTIFACT_DIR: build/test-artifacts). The server is always stopped.
# Environment: NOTEBOOK_TIMEOUT (seconds per cell, default 900).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv"
BIN="$ROOT/build/bin"
JUPYTER="$VENV/bin/jupyter"

log() { printf '[run_notebooks] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -x "$JUPYTER" ] || die "$JUPYTER missing: run scripts/install_deps.sh"
[ -x "$BIN/gonb" ] || die "$BIN/gonb missing: run scripts/install_deps.sh"
# The kernel spec already puts build/bin first on the kernel's PATH; this is
# for anything else started from here.
export PATH="$BIN:$PATH"

# check_shell_failures NB...: fail if a GoNB shell line (`!`, `!*`) failed.
check_shell_failures() {
	"$VENV/bin/python" - "$@" <<'EOF'
import re, sys, nbformat
bad = 0
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr" and \
                    re.search(r"^(\^C\n)?(exit status \d+|signal: \w+)\s*$", out.get("text", ""), re.M):
                src = cell.source.strip().splitlines()
                print(f"{path}: cell {i} ({src[0] if src else ''!r}...): shell command failed: "
                      f"{out['text'].strip()}", file=sys.stderr)
                bad += 1
sys.exit(1 if bad else 0)
EOF
}

# strip_timing NB: drop per-cell execution timestamps (left by earlier runs with
# record_timing on), so that re-executing a notebook gives no diff.
strip_timing() {
	"$VENV/bin/python" - "$1" <<'EOF'
import sys, nbformat
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
changed = False
for cell in nb.cells:
    if "execution" in cell.get("metadata", {}):
        del cell.metadata["execution"]
        changed = True
if changed:
    nbformat.write(nb, path)
EOF
}

cmd_execute() {
	local nbs=("$@")
	if [ ${#nbs[@]} -eq 0 ]; then
		shopt -s nullglob
		nbs=("$ROOT"/notebooks/*.ipynb)
		shopt -u nullglob
		[ ${#nbs[@]} -gt 0 ] || die "no notebooks in $ROOT/notebooks"
	fi
	local nb start
	for nb in "${nbs[@]}"; do
		[ -f "$nb" ] || die "no such notebook: $nb"
		log "execute: $nb"
		start=$SECONDS
		strip_timing "$nb"
		# record_timing=False: no per-cell timestamps, so re-running gives no diff.
		"$JUPYTER" nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout="${NOTEBOOK_TIMEOUT:-900}" \
			--ExecutePreprocessor.record_timing=False \
			"$nb" || die "execution failed: $nb"
		check_shell_failures "$nb" || die "a shell line failed in $nb"
		log "execute: $nb OK ($((SECONDS - start))s)"
	done
	"$JUPYTER" trust "${nbs[@]}"
}

free_port() {
	"$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

LAB_PID=""
LAB_TMP=""
stop_server() {
	if [ -n "$LAB_PID" ] && kill -0 "$LAB_PID" 2>/dev/null; then
		kill "$LAB_PID" 2>/dev/null || true
		# Jupyter shuts its kernels down on SIGTERM; give it up to 10 s.
		for _ in $(seq 100); do kill -0 "$LAB_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$LAB_PID" 2>/dev/null || true
	fi
	[ -z "$LAB_TMP" ] || rm -rf "$LAB_TMP"
}

cmd_browser() {
	local nb="${1:-}" artifacts="${2:-$ROOT/build/test-artifacts}"
	[ -n "$nb" ] || die "usage: run_notebooks.sh browser NOTEBOOK [ARTIFACT_DIR]"
	[ -f "$ROOT/$nb" ] || die "no such notebook (path is relative to the repo root): $nb"
	[ -d "$ROOT/tests/browser/node_modules/playwright-core" ] || die "playwright-core missing: run scripts/install_deps.sh"
	mkdir -p "$artifacts"
	artifacts="$(cd "$artifacts" && pwd)"
	local name shot lablog
	name="$(basename "$nb" .ipynb)"
	shot="$artifacts/$name.png"
	lablog="$artifacts/$name.jupyter-lab.log"
	local port url
	port="$(free_port)"
	url="http://127.0.0.1:$port"
	# Globals: the EXIT trap runs after this function has returned.
	LAB_TMP="$(mktemp -d)"
	LAB_PID=""
	trap stop_server EXIT

	# Fresh JupyterLab user settings and workspace (no personal theme/layout);
	# never ask about (or fetch) Jupyter news.
	mkdir -p "$LAB_TMP/settings/@jupyterlab/apputils-extension"
	echo '{"fetchNews": "false", "checkForUpdates": false}' \
		>"$LAB_TMP/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
	"$JUPYTER" trust "$ROOT/$nb" >/dev/null
	log "browser: starting JupyterLab on $url (log: $lablog)"
	"$JUPYTER" lab --no-browser --allow-root \
		--ServerApp.ip=127.0.0.1 --ServerApp.port="$port" --ServerApp.port_retries=0 \
		--IdentityProvider.token= --ServerApp.password= \
		--ServerApp.root_dir="$ROOT" \
		--LabServerApp.workspaces_dir="$LAB_TMP/workspaces" \
		--LabServerApp.user_settings_dir="$LAB_TMP/settings" \
		--FileCheckpoints.checkpoint_dir="$LAB_TMP/checkpoints" \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		>"$lablog" 2>&1 &
	LAB_PID=$!

	local ok=0
	for _ in $(seq 120); do
		kill -0 "$LAB_PID" 2>/dev/null || { tail -n 30 "$lablog" >&2; die "JupyterLab exited early"; }
		if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$url/api/status" 2>/dev/null; then
			ok=1
			break
		fi
		sleep 0.5
	done
	[ "$ok" = 1 ] || { tail -n 30 "$lablog" >&2; die "JupyterLab did not answer on $url in 60s"; }

	log "browser: checking $nb"
	node "$ROOT/scripts/browser_check.mjs" "$url" "$nb" "$shot" || die "browser check failed for $nb (screenshot: $shot)"
	log "browser: OK, screenshot $shot"
}

mode="${1:-}"
[ $# -gt 0 ] && shift
case "$mode" in
execute) cmd_execute "$@" ;;
browser) cmd_browser "$@" ;;
*) die "usage: run_notebooks.sh execute [NOTEBOOK...] | browser NOTEBOOK [ARTIFACT_DIR]" ;;
esac
