#!/usr/bin/env python3
"""Turns the rows scripts/bench_realistic.sh collects into its Markdown report.

Each input row is `MODEL PEER ROUND load=L key=value...`, the keys being
what the peers print on their last line (train_img_per_s, infer_img_per_s,
and fgia's train_cpu_s_per_step, infer_cpu_s_per_batch). A row without
figures (a peer that failed) is reported as such.
"""
import argparse
import statistics
import sys
from collections import defaultdict

MODELS = {
    "vit": "ViT-S/16, 224 px, 5000 classes (train batch 16, inference batch 64)",
    "swin": "Swin-V2-T, 256 px, window 16, 5000 classes (train batch 16, inference batch 64)",
    "tiny": "bench ViT, 28x28x1, D 64, 10 classes (train batch 128, inference batch 500)",
}
PEERS = {"fgia": "fgia (XLA CPU)", "pytorch": "PyTorch 1.13", "jax": "JAX"}


def parse(path):
    rows = []
    for line in open(path):
        parts = line.split()
        if len(parts) < 4:
            continue
        model, peer, rnd = parts[:3]
        kv = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
        vals = {}
        for k, v in kv.items():
            try:
                vals[k] = float(v)
            except ValueError:
                pass
        rows.append((model, peer, int(rnd), vals))
    return rows


def summary(xs):
    if not xs:
        return "-"
    m = statistics.median(xs)
    if len(xs) == 1:
        return f"{m:.2f}"
    return f"{m:.2f} ({min(xs):.2f}-{max(xs):.2f})"


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows")
    ap.add_argument("--started", default="")
    ap.add_argument("--versions", default="")
    ap.add_argument("--machine", default="")
    args = ap.parse_args()
    rows = parse(args.rows)
    by = defaultdict(lambda: defaultdict(list))  # (model, peer) -> key -> values
    rounds = defaultdict(dict)  # (model, round) -> peer -> values
    loads = defaultdict(list)
    peaks = [vals for model, _, _, vals in rows if model == "peak" and "peak_gflops_all" in vals]
    for model, peer, rnd, vals in rows:
        if model == "peak":
            continue
        for k, v in vals.items():
            by[(model, peer)][k].append(v)
        rounds[(model, rnd)][peer] = vals
        loads[model].append(vals.get("load", float("nan")))
    out = []
    w = out.append
    w("# fgia against PyTorch and JAX at realistic sizes (CPU)")
    w("")
    w(f"Run {args.started} on {args.machine}; written by `scripts/bench_realistic.sh` (`make bench-realistic`).")
    w(f"Versions: {args.versions}.")
    w("")
    w("Images per second, median over alternating rounds (range in brackets); ratios are of the medians,")
    w("and \"per round\" gives the median and range of the ratio within each round (the peers ran back to")
    w("back, so a round shares its load). The load average was read before each run. The CPU rows are")
    w("each process's CPU time (every thread) per step: less is better, and their ratios are the peer's")
    w("over fgia's. Other jobs disturb them much less than the wall-clock rates, but threads that spin")
    w("while they wait count too.")
    peak_all = max((p["peak_gflops_all"] for p in peaks), default=0)
    if peaks:
        w("")
        w("Measured FMA peak (scripts/cpu_peak.c, before and after the rounds): " + "; ".join(
            f"{p['peak_gflops_1']:.0f} GFLOP/s on 1 core, {p['peak_gflops_all']:.0f} on {p['cores']:.0f} cores, "
            f"clock {p['clock_ghz']:.2f} GHz (load {p.get('load', float('nan')):.2f})" for p in peaks) + ".")
    models = [m for m in MODELS if any(k[0] == m for k in by)]
    for model in models:
        w("")
        w(f"## {MODELS[model]}")
        w("")
        ld = [x for x in loads[model] if x == x]
        if ld:
            w(f"Load average before the runs: {min(ld):.2f}-{max(ld):.2f}.")
            w("")
        w("| | " + " | ".join(PEERS[p] for p in PEERS) + " | fgia / PyTorch | fgia / JAX |")
        w("|---|" + "---:|" * (len(PEERS) + 2))
        for key, label in (("train_img_per_s", "training img/s"), ("infer_img_per_s", "inference img/s"),
                           ("train_cpu_s_per_step", "CPU s per training step"),
                           ("infer_cpu_s_per_batch", "CPU s per inference batch")):
            cells = [summary(by[(model, p)].get(key, [])) if by[(model, p)].get("train_img_per_s") else "failed"
                     for p in PEERS]
            med = {p: statistics.median(by[(model, p)][key]) if by[(model, p)].get(key) else 0 for p in PEERS}
            per_round = defaultdict(list)
            for (m, _), peers in rounds.items():
                if m != model or key not in peers.get("fgia", {}):
                    continue
                for p in ("pytorch", "jax"):
                    if peers.get(p, {}).get(key):
                        per_round[p].append(peers["fgia"][key] / peers[p][key])
            cpu_row = key.endswith("_cpu_s_per_step") or key.endswith("_cpu_s_per_batch")
            if cpu_row:  # less CPU is better: the ratio is the peer's over fgia's
                per_round = defaultdict(list, {p: [1 / x for x in xs] for p, xs in per_round.items()})
            rat = []
            for p in ("pytorch", "jax"):
                r = ratio(med[p], med["fgia"]) if cpu_row else ratio(med["fgia"], med[p])
                if len(per_round[p]) > 1:
                    xs = per_round[p]
                    r += f" (per round {statistics.median(xs):.2f}x, {min(xs):.2f}-{max(xs):.2f})"
                rat.append(r)
            w(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(rat) + " |")
        cpu = by[(model, "fgia")]
        if cpu.get("gflop_fwd") and cpu.get("train_img_per_s"):
            fwd = statistics.median(cpu["gflop_fwd"])
            tr = statistics.median(cpu["train_img_per_s"]) * 3 * fwd
            inf = statistics.median(cpu.get("infer_img_per_s", [0])) * fwd
            line = (f"Model FLOPs ({fwd:.2f} GFLOP forward per image, training counted as 3x): fgia reaches "
                    f"{tr:.0f} GFLOP/s training and {inf:.0f} GFLOP/s inference")
            if peak_all:
                line += f", {100 * tr / peak_all:.0f}% and {100 * inf / peak_all:.0f}% of the measured peak"
            w("")
            w(line + ".")
    w("")
    w("## Rows")
    w("")
    w("```")
    for line in open(args.rows):
        w(line.rstrip())
    w("```")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
