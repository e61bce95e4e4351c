#!/usr/bin/env bash
# The CPU demo's accuracy goal: the `demo-vit-fmnist` preset trained on the
# full balanced Fashion-MNIST set (60,000 images) and scored on Test-A and
# Test-B (10,000 images), with and without flip TTA. Prints the training
# wall time and the scores; reports/demo-accuracy.md holds a measured run.
#
# Usage: scripts/demo_accuracy.sh [OUT] [extra fgia train flags, e.g. --seed 2]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
fgia=build/bin/fgia
out="${1:-build/demo-accuracy}"
shift || true
data=data/balanced
labels=data/balanced-labels

$fgia demo-data --out "$data" --labels "$labels" --imbalance 1 --noise-scale 0 --reuse
$fgia clean --data "$data" >/dev/null
rm -rf "$out"
start=$SECONDS
$fgia train --data "$data" --out "$out" --preset demo-vit-fmnist "$@"
echo "demo_accuracy: training took $((SECONDS - start)) s (goal: at most 900 s)"
for split in testa testb; do
  for tta in "" flip; do
    pred="$out/$split${tta:+-$tta}.parquet"
    $fgia predict --run "$out" --data "$data" --split "$split" --tta "$tta" --out "$pred" >/dev/null
    echo "demo_accuracy: $split, TTA ${tta:-none}"
    $fgia score --pred "$pred" --labels "$labels/$split.txt"
  done
done
