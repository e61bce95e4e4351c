#!/usr/bin/env bash
# Runs the fgia GoNB notebooks headless, and checks one in a real browser.
# Everything it uses comes from scripts/install_deps.sh.
#
# Usage:
#   scripts/run_notebooks.sh execute [NOTEBOOK.ipynb...]
#       What `make test` runs: copies each notebook (default: notebooks/*.ipynb)
#       to build/notebooks/ and executes the copy there with nbconvert, so that
#       the tracked notebooks stay as committed. Fails on any cell error, on any
#       failed `!`/`!*` shell line (GoNB reports those as an "exit status N"
#       stderr output but does not fail the cell), and on an absolute path of
#       this machine in an output.
#   scripts/run_notebooks.sh refresh [NOTEBOOK.ipynb...]
#       Executes the notebooks in place (default: notebooks/*.ipynb) with the
#       same checks, then signs them (jupyter trust): for committing outputs.
#   scripts/run_notebooks.sh check-paths NOTEBOOK.ipynb...
#       Only the check for absolute paths in outputs.
#   scripts/run_notebooks.sh complete
#       Asks a GoNB kernel for the Tab completions of `nb.Mark` (GoNB asks
#       gopls): fails unless they include Markdown, i.e. unless gopls is
#       installed where the kernel finds it.
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

# check_paths NB...: fail if an output carries an absolute path of this
# machine: the repository root, $HOME, or a folder under /tmp, /work, /root,
# /home, /Users or /var/folders. Notebooks print paths relative to the
# repository root (fgia/nb), so committed outputs read the same everywhere.
check_paths() {
	"$VENV/bin/python" - "$ROOT" "${HOME:-}" "$@" <<'EOF'
import re, sys, nbformat
root, home, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
machine = re.compile(r"(?<![\w.~-])/(?:tmp|work|root|home|Users|var/folders)/[^\s\"'<>`)]*")
bad = 0
for path in paths:
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            texts = [out.get("text", ""), out.get("evalue", "")] + out.get("traceback", [])
            for mime, data in out.get("data", {}).items():
                if not mime.startswith("image/"):
                    texts.append(data if isinstance(data, str) else str(data))
            for text in texts:
                text = "".join(text) if isinstance(text, list) else text
                found = set(machine.findall(text))
                for p in (root, home):
                    if len(p) > 1 and p in text:
                        found.add(p)
                for f in sorted(found):
                    print(f"{path}: cell {i}: an output shows the absolute path {f!r}; "
                          "print it relative to the repository (fgia/nb: nb.Rel)", file=sys.stderr)
                    bad += 1
sys.exit(1 if bad else 0)
EOF
}

# execute_one NB: executes NB in place (its folder is the kernel's), then
# checks it.
execute_one() {
	local nb="$1" start=$SECONDS
	log "execute: $nb"
	strip_timing "$nb"
	# record_timing=False: no per-cell timestamps, so re-running gives no diff.
	"$JUPYTER" nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout="${NOTEBOOK_TIMEOUT:-900}" \
		--ExecutePreprocessor.record_timing=False \
		"$nb" || die "execution failed: $nb"
	check_shell_failures "$nb" || die "a shell line failed in $nb"
	check_paths "$nb" || die "machine paths in the outputs of $nb"
	log "execute: $nb OK ($((SECONDS - start))s)"
}

# notebooks_or_default NB...: the arguments, or every notebook in notebooks/.
notebooks_or_default() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
		return
	fi
	shopt -s nullglob
	local nbs=("$ROOT"/notebooks/*.ipynb)
	shopt -u nullglob
	[ ${#nbs[@]} -gt 0 ] || die "no notebooks in $ROOT/notebooks"
	printf '%s\n' "${nbs[@]}"
}

# cmd_execute: copies executed under build/notebooks/. The copies sit below
# the repository like the originals, so the hidden first cell's `go mod
# edit` finds the same go.mod upward, and fgia/nb the same root.
cmd_execute() {
	local nbs nb copy
	mapfile -t nbs < <(notebooks_or_default "$@")
	mkdir -p "$ROOT/build/notebooks"
	for nb in "${nbs[@]}"; do
		[ -f "$nb" ] || die "no such notebook: $nb"
		copy="$ROOT/build/notebooks/$(basename "$nb")"
		cp "$nb" "$copy"
		execute_one "$copy"
	done
}

# cmd_refresh: in place, then signed, for committing.
cmd_refresh() {
	local nbs nb
	mapfile -t nbs < <(notebooks_or_default "$@")
	for nb in "${nbs[@]}"; do
		[ -f "$nb" ] || die "no such notebook: $nb"
		execute_one "$nb"
	done
	"$JUPYTER" trust "${nbs[@]}"
}

# cmd_complete: Tab completion through GoNB and gopls, in a kernel started
# in notebooks/.
cmd_complete() {
	[ -x "$BIN/gopls" ] || die "$BIN/gopls missing: run scripts/install_deps.sh"
	"$VENV/bin/python" - "$ROOT/notebooks" <<'EOF' || die "Tab completion does not work (is gopls in build/bin, first on the kernel's PATH?)"
import sys, jupyter_client
km, kc = jupyter_client.manager.start_new_kernel(kernel_name="gonb", cwd=sys.argv[1])
try:
    for code in ['!*go mod edit -require=github.com/janpfeifer/gonb@v0.11.4 -require=github.com/fgia/fgia@v0.0.0 '
                 '-replace=github.com/fgia/fgia="$(dirname "$(cd "$GONB_DIR" && go env GOMOD)")"',
                 'import "github.com/fgia/fgia/fgia/nb"\n\nvar demo = nb.Demo()']:
        r = kc.execute_interactive(code, timeout=900, output_hook=lambda m: None)
        if r["content"]["status"] != "ok":
            sys.exit(f"cell failed: {code!r}")
    code = "%%\nnb.Mark"
    r = kc.complete(code, len(code), reply=True, timeout=300)["content"]
    print(f"[run_notebooks] complete: {code!r} -> {r['matches']}", file=sys.stderr)
    sys.exit(0 if "Markdown" in r["matches"] else 1)
finally:
    kc.stop_channels()
    km.shutdown_kernel()  # a shutdown request: GoNB then stops its gopls (now=True would leave it running)
EOF
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
refresh) cmd_refresh "$@" ;;
check-paths)
	[ $# -gt 0 ] || die "usage: run_notebooks.sh check-paths NOTEBOOK..."
	check_paths "$@"
	;;
complete) cmd_complete ;;
browser) cmd_browser "$@" ;;
*) die "usage: run_notebooks.sh execute [NOTEBOOK...] | refresh [NOTEBOOK...] | check-paths NOTEBOOK... | complete | browser NOTEBOOK [ARTIFACT_DIR]" ;;
esac
