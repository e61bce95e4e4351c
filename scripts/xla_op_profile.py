#!/usr/bin/env python3
"""Where an fgia graph's time goes on XLA's CPU backend, op by op.

fgia runs its graphs through a PJRT plugin that has no profiler hook GoMLX
can reach, so this script takes the graph XLA itself dumps and looks at it
two ways:

  summary DUMP.txt     the optimized HLO (`*.cpu_after_optimizations.txt`):
                       every top-level op by kind (library matmuls, XLA's
                       loop fusions, transposing copies, reductions) with
                       its FLOPs and the bytes it reads and writes
  profile DUMP.hlo.pb  the unoptimized module (`*.before_optimizations.hlo.pb`)
                       compiled and run with jaxlib's XLA CPU client under
                       the JAX profiler: measured time per op and per kind
                       (jaxlib's XLA is close to, not the same as, the
                       plugin's; run in build/venv-jax, under `taskset -c 0`
                       for one core)

Dump a graph with, for example:
    XLA_FLAGS="--xla_dump_to=build/hlo --xla_dump_hlo_as_text --xla_dump_hlo_as_proto" \\
        build/bin/fgia bench --preset vit-s16-224 --steps 1 --warmup 1 --infer-steps 1
    python3 scripts/xla_op_profile.py summary build/hlo/module_0000.*.cpu_after_optimizations.txt
    taskset -c 0 build/venv-jax/bin/python scripts/xla_op_profile.py profile \\
        build/hlo/module_0000.*.before_optimizations.hlo.pb
"""
import argparse
import collections
import glob
import gzip
import json
import os
import re
import sys
import tempfile
import time

INST = re.compile(r"^(?:ROOT )?%([\w.\-]+) = ((?:\(.*?\))|(?:\w+\[[\d,]*\](?:\{[^}]*\})?)) ([\w\-]+)\((.*)$")


def computations(text):
    """name -> instruction lines, and the entry computation's name."""
    comps, cur, entry = {}, None, None
    for line in text.split("\n"):
        m = re.match(r"^(ENTRY )?%?([\w.\-]+) .*\{\s*$", line)
        if m and not line.startswith(" "):
            cur = m.group(2)
            comps[cur] = []
            if m.group(1):
                entry = cur
            continue
        if cur and line.startswith("  "):
            comps[cur].append(line.strip())
    return comps, entry


def instructions(lines):
    out = {}
    for line in lines:
        m = INST.match(line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3), m.group(4))
    return out


def dims(shape):
    m = re.match(r"\w+\[([\d,]*)\]", shape)
    return [int(x) for x in m.group(1).split(",") if x] if m else []


def elements(shape):
    n = 1
    for d in dims(shape):
        n *= d
    return n


def dot_flops(out_shape, rest, insts):
    args = re.findall(r"%([\w.\-]+)", rest)
    lc = re.search(r"lhs_contracting_dims=\{([\d,]*)\}", rest)
    k = 1
    lhs = dims(insts[args[0]][0]) if args and args[0] in insts else []
    for i in (lc.group(1).split(",") if lc else []):
        if i and int(i) < len(lhs):
            k *= lhs[int(i)]
    desc = " x ".join(insts[a][0].split("{")[0] for a in args[:2] if a in insts)
    return 2 * elements(out_shape) * k, f"{desc} -> {out_shape.split('{')[0]}"


def classify(comps, entry):
    """Entry op name -> (kind, flops, bytes moved, description)."""
    top = instructions(comps[entry])
    out = {}
    for name, (shape, op, rest) in top.items():
        if op in ("parameter", "bitcast", "constant", "tuple", "get-tuple-element"):
            continue
        operands = re.findall(r"%([\w.\-]+)", rest.split("), ")[0])
        moved = 4 * (elements(shape) + sum(elements(top[a][0]) for a in operands if a in top))
        flops, desc = 0, shape.split("{")[0]
        if op == "fusion":
            inner = instructions(comps[re.search(r"calls=%([\w.\-]+)", rest).group(1)])
            ops = {v[1] for v in inner.values()} - {"parameter", "bitcast", "constant", "broadcast"}
            for s, o, r in inner.values():
                if o == "dot":
                    f, desc = dot_flops(s, r, inner)
                    flops += f
            lib = "ynn " if "__ynn_fusion" in rest else "xnn " if "__xnn_fusion" in rest else \
                "onednn " if "__onednn" in rest else "xla "
            if "dot" in ops:
                kind = lib + "matmul"
            elif "reduce" in ops:
                kind = lib + "reduce"
            elif ops <= {"copy", "transpose", "reshape"}:
                kind = lib + "transpose/copy"
            elif "transpose" in ops:
                kind = lib + "elementwise+transpose"
            else:
                kind = lib + "elementwise"
            if not flops:
                desc += " " + ",".join(sorted(ops))
        elif op == "dot":
            kind = "eigen matmul"
            flops, desc = dot_flops(shape, rest, top)
        else:
            kind = "xla " + op
        out[name] = (kind, flops, moved, desc)
    return out


def table(per_op, times=None, top=25):
    kinds = collections.defaultdict(lambda: [0, 0, 0, 0.0])
    shapes = collections.defaultdict(lambda: [0, 0, 0, 0.0])
    for name, (kind, flops, moved, desc) in per_op.items():
        us = (times or {}).get(name, 0.0)
        for agg, key in ((kinds, kind), (shapes, f"{kind} | {desc}")):
            agg[key][0] += 1
            agg[key][1] += flops
            agg[key][2] += moved
            agg[key][3] += us
    total = sum(v[3] for v in kinds.values()) or 1
    order = (lambda kv: -kv[1][3]) if times else (lambda kv: -(kv[1][1] / 50 + kv[1][2] / 5))
    head = f"{'kind':26s} {'ops':>5s} {'GFLOP':>8s} {'MB moved':>9s}"
    print(head + (f" {'ms':>9s} {'share':>6s} {'GFLOP/s':>8s}" if times else ""))
    for k, (n, f, b, us) in sorted(kinds.items(), key=order):
        row = f"{k:26s} {n:5d} {f / 1e9:8.2f} {b / 1e6:9.1f}"
        if times:
            row += f" {us / 1e3:9.1f} {100 * us / total:5.1f}% " + (f"{f / us / 1e3:8.1f}" if f and us else "")
        print(row)
    print()
    for k, (n, f, b, us) in sorted(shapes.items(), key=order)[:top]:
        row = f"{n:4d}  {k[:110]}"
        if times:
            row = f"{us / 1e3:8.1f} ms {100 * us / total:5.1f}% " + row + (f"  {f / us / 1e3:.0f} GFLOP/s" if f and us else "")
        else:
            row = f"{f / 1e9:7.2f} GFLOP {b / 1e6:8.1f} MB " + row
        print(row)


def hlo_module_proto(data):
    """The HloModuleProto inside an XLA dump's HloProto (field 1), or data itself."""
    def varint(i):
        shift = value = 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, i
    i = 0
    while i < len(data):
        key, i = varint(i)
        if key & 7 != 2:
            return data
        n, i = varint(i)
        if key >> 3 == 1:
            return data[i:i + n]
        i += n
    return data


def profile(path, runs, top):
    import jax
    import numpy as np
    from jax._src.lib import xla_client as xc

    jax.config.update("jax_enable_x64", True)  # u64 RNG state arguments stay u64
    mlir = xc._xla.mlir.hlo_to_stablehlo(hlo_module_proto(open(path, "rb").read()))
    devices = jax.devices()[:1]
    start = time.time()
    exe = devices[0].client.compile_and_load(mlir, xc.DeviceList(tuple(devices)), xc.CompileOptions())
    print(f"compiled in {time.time() - start:.1f} s", file=sys.stderr)
    text = exe.hlo_modules()[0].to_string()
    comps, entry = computations(text)
    params = [l for l in text.split("\n") if l.startswith("ENTRY")][0].split("(", 1)[1].split(") ->")[0]
    types = {"f32": np.float32, "s32": np.int32, "u64": np.uint64, "s64": np.int64, "u32": np.uint32}
    rng = np.random.default_rng(0)
    args = []
    for m in re.finditer(r": (f32|s32|u64|s64|u32)\[([\d,]*)\]", params):
        shape = tuple(int(x) for x in m.group(2).split(",") if x)
        ty = types[m.group(1)]
        v = (0.02 * rng.standard_normal(shape)).astype(ty) if ty == np.float32 else np.ones(shape, ty)
        args.append(jax.device_put(v, devices[0]))

    def run():
        for out in exe.execute(args):
            out.block_until_ready()

    run()
    for _ in range(runs):
        start = time.perf_counter()
        run()
        print(f"run: {time.perf_counter() - start:.3f} s", file=sys.stderr)
    with tempfile.TemporaryDirectory() as d:
        with jax.profiler.trace(d, create_perfetto_trace=True):
            run()
        trace = json.load(gzip.open(glob.glob(os.path.join(d, "**", "*.trace.json.gz"), recursive=True)[0]))
    times = collections.defaultdict(float)
    for e in trace["traceEvents"] if isinstance(trace, dict) else trace:
        if e.get("ph") == "X":
            times[e.get("name", "")] += e.get("dur", 0)
    table(classify(comps, entry), times, top)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("summary")
    s.add_argument("hlo_txt")
    s.add_argument("--top", type=int, default=25)
    p = sub.add_parser("profile")
    p.add_argument("hlo_pb")
    p.add_argument("--runs", type=int, default=1, help="timed runs before the profiled one")
    p.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    if args.cmd == "summary":
        table(classify(*computations(open(args.hlo_txt).read())), top=args.top)
    else:
        profile(args.hlo_pb, args.runs, args.top)


if __name__ == "__main__":
    main()
