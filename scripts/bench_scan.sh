#!/usr/bin/env bash
# Scan benchmark: the Go scan (BenchmarkScan) against its Python peer
# (scripts/scan_peer.py: PIL + hashlib in one process) over the same >= 20K
# files, back to back on this machine. Prints both rates and their ratio and
# writes them to reports/bench-scan.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
data=data/bench-scan
if [ ! -f "$data/data/meta/train.txt" ]; then
  rm -rf "$data"
  build/bin/fgia demo-data --out "$data/data" --labels "$data/labels" \
    --imbalance 1 --max-per-class 2000 --test-per-class 0 >/dev/null
fi
dir="$root/$data/data/train"
files=$(find "$dir" -type f | wc -l)
# Warm the page cache so neither side pays for the first read.
find "$dir" -type f -exec cat {} + >/dev/null
go_out=$(FGIA_SCAN_DIR="$dir" go test -run '^$' -bench BenchmarkScan -benchtime 5x ./fgia/scan)
go_all=$(echo "$go_out" | awk '/workers=all/ {for (i=1;i<=NF;i++) if ($(i+1)=="files/s") print $i}')
go_one=$(echo "$go_out" | awk '/workers=1/ {for (i=1;i<=NF;i++) if ($(i+1)=="files/s") print $i}')
py_out=$(.venv/bin/python scripts/scan_peer.py "$dir")
py=$(echo "$py_out" | sed -n 's/.*files_per_s=\([0-9.]*\).*/\1/p')
{
  echo "scan benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $files files under $dir"
  echo "go (all cores)   $go_all files/s"
  echo "go (1 worker)    $go_one files/s"
  echo "python PIL peer  $py files/s (one process)"
  awk -v a="$go_all" -v o="$go_one" -v p="$py" 'BEGIN { printf "ratio go/python: %.2fx (all cores), %.2fx (1 worker)\n", a/p, o/p }'
} | tee reports/bench-scan.txt
