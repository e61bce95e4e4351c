#!/usr/bin/env python3
"""timm parity fixtures for fgia, and the export round trip.

Run it with the interpreter of `make deps-timm` (build/timm-venv: timm from
PyPI on Debian's python3-torch). Three steps, each optional:

  fixtures   small random models of every family fgia imports, written the
             way the Hugging Face hub serves timm models (timm's own
             save_for_hf: config.json + model.safetensors), with inputs and
             timm's outputs (check.safetensors), plus MMPretrain-keyed .pth
             copies of two of them; `go test ./fgia/pretrained` imports them
             and must match timm's outputs. Deterministic by seed.
  notebook   the two models notebooks/07_pretrained.ipynb imports: a tiny
             ViT for 28x28 gray images trained by timm/PyTorch on the 60K
             Fashion-MNIST training images, and the same architecture at
             timm's random initialisation.
  roundtrip  with the fgia binary: import every fixture, export it back
             (fgia export --check), load the export in timm
             (create_model("local-dir:...")) and compare outputs; the same
             for runs trained in fgia on the quick demo set. Writes the log
             as reports/timm-parity.md.

    build/timm-venv/bin/python scripts/timm_fixtures.py fixtures notebook roundtrip
"""
import argparse
import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import torch
import timm
import safetensors
import safetensors.torch
from timm.models import save_for_hf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fgia", "pretrained", "testdata", "timm")
TORCHFILE = os.path.join(ROOT, "fgia", "torchfile", "testdata")
NOTEBOOK_MODELS = os.path.join(ROOT, "notebooks", "models")
REPORT = os.path.join(ROOT, "reports", "timm-parity.md")

# Each fixture: a timm architecture name and the keyword arguments that make
# it small. Together they cover ViT with patch 16/14/8, cls-token, average
# (fc_norm) and LayerNorm-then-average pooling, a headless (MAE-like)
# backbone, gray and RGB input, Swin-V2 with shifted and clipped windows, and
# Swin-V2 with pretrained windows over three stages (two patch mergings).
SPECS = [
    dict(name="vit_cls", arch="vit_tiny_patch16_224",
         args=dict(img_size=32, in_chans=1, embed_dim=16, depth=2, num_heads=2, mlp_ratio=2.0, num_classes=5)),
    dict(name="vit_avg_patch14", arch="vit_large_patch14_224", mmpretrain=True,
         args=dict(img_size=28, embed_dim=16, depth=2, num_heads=4, mlp_ratio=2.0, num_classes=4,
                   global_pool="avg")),
    dict(name="vit_gap", arch="vit_base_patch16_gap_224",
         args=dict(img_size=16, patch_size=8, embed_dim=16, depth=1, num_heads=2, mlp_ratio=2.0, num_classes=3)),
    dict(name="vit_headless", arch="vit_base_patch16_224",
         args=dict(img_size=16, patch_size=8, embed_dim=16, depth=1, num_heads=2, mlp_ratio=2.0, num_classes=0)),
    dict(name="swinv2", arch="swinv2_tiny_window8_256",
         args=dict(img_size=32, embed_dim=8, depths=(2, 2), num_heads=(1, 2), window_size=4, mlp_ratio=2.0,
                   num_classes=5)),
    dict(name="swinv2_transfer", arch="swinv2_base_window12to24_192to384", mmpretrain=True,
         args=dict(img_size=32, patch_size=2, embed_dim=8, depths=(2, 2, 1), num_heads=(1, 2, 2), window_size=8,
                   pretrained_window_sizes=(4, 4, 2), mlp_ratio=2.0, num_classes=3)),
    # The demo's geometry (28x28 gray, patch 4), for the command-line tests
    # that predict and fine-tune on the quick demo set.
    dict(name="vit_gray28", arch="vit_tiny_patch16_224",
         args=dict(img_size=28, patch_size=4, in_chans=1, embed_dim=8, depth=1, num_heads=2, mlp_ratio=2.0,
                   num_classes=10, global_pool="avg")),
]


def randomize(model, seed):
    """Random values for every parameter: timm's init leaves Swin-V2's
    res-post-norms at zero (every block the identity) and LayerNorms at 1/0,
    which would hide mapping errors."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if name.endswith("logit_scale"):
                p.copy_(math.log(10) + 0.5 * r)
            elif name.endswith(("cls_token", "pos_embed")):
                p.copy_(0.5 * r)
            elif p.ndim == 1:
                base = 1.0 if name.endswith(".weight") else 0.0  # LayerNorm gains
                p.copy_(base + 0.2 * r)
            else:
                p.copy_(r / math.sqrt(p[0].numel()))


def timm_to_mmpretrain(sd, model, family):
    """Renames a timm state dict to MMPretrain's keys (its VisionTransformer
    and SwinTransformerV2 backbones, VisionTransformerClsHead / LinearClsHead),
    as its model zoo stores them, buffers included."""
    out = {}
    for k, v in sd.items():
        if family == "vit":
            n = k
            for a, b in [("patch_embed.proj.", "patch_embed.projection."), ("blocks.", "layers."),
                         (".norm1.", ".ln1."), (".norm2.", ".ln2."), (".mlp.fc1.", ".ffn.layers.0.0."),
                         (".mlp.fc2.", ".ffn.layers.1.")]:
                n = n.replace(a, b)
            if n.startswith("norm."):
                n = "ln1." + n[len("norm."):]
            if n.startswith("fc_norm."):
                n = "ln2." + n[len("fc_norm."):]
            if n.startswith("head."):
                out["head.layers." + n] = v
                continue
        else:
            n = k.replace("patch_embed.proj.", "patch_embed.projection.").replace("layers.", "stages.")
            n = n.replace(".attn.", ".attn.w_msa.").replace(".mlp.fc1.", ".ffn.layers.0.0.")
            n = n.replace(".mlp.fc2.", ".ffn.layers.1.")
            if n.endswith("downsample.reduction.weight"):
                # timm concatenates (col, row, c); nn.Unfold gives (c, row, col).
                o, c4 = v.shape
                v = v.reshape(o, 2, 2, c4 // 4).permute(0, 3, 2, 1).reshape(o, c4).contiguous()
            if n.startswith("norm."):
                n = "norm%d.%s" % (len(model.layers) - 1, n[len("norm."):])
            if n.startswith("head."):
                out[n] = v
                continue
        out["backbone." + n] = v
    if family == "swinv2":
        # MMPretrain keeps its window tables as persistent buffers (only the
        # last stage's here, to keep the fixture small).
        last = "layers.%d." % (len(model.layers) - 1)
        for k, v in model.named_buffers():
            if k.startswith(last) and k.endswith(("relative_coords_table", "relative_position_index")):
                out["backbone." + k.replace("layers.", "stages.").replace(".attn.", ".attn.w_msa.")] = v
    return out


def make_fixtures():
    if os.path.isdir(FIXTURES):
        shutil.rmtree(FIXTURES)
    os.makedirs(FIXTURES)
    index = []
    for i, spec in enumerate(SPECS):
        torch.manual_seed(i)
        model = timm.create_model(spec["arch"], pretrained=False, **spec["args"])
        randomize(model, 100 + i)
        model.eval()
        folder = os.path.join(FIXTURES, spec["name"])
        save_for_hf(model, folder, safe_serialization=True)
        g = torch.Generator().manual_seed(200 + i)
        c, side = spec["args"].get("in_chans", 3), spec["args"]["img_size"]
        images = torch.randn((2, c, side, side), generator=g)
        with torch.no_grad():
            out = model(images)
        safetensors.torch.save_file({"images": images.contiguous(), "output": out.contiguous()},
                                    os.path.join(folder, "check.safetensors"))
        family = "swinv2" if spec["arch"].startswith("swinv2") else "vit"
        entry = dict(name=spec["name"], folder=spec["name"], arch=spec["arch"], family=family,
                     output_shape=list(out.shape))
        index.append(entry)
        if spec.get("mmpretrain"):
            mm = timm_to_mmpretrain(model.state_dict(), model, family)
            ckpt = {"meta": {"mmpretrain_version": "1.2.0", "epoch": 3,
                             "dataset_meta": {"classes": ["c%d" % k for k in range(out.shape[1])]}},
                    "state_dict": mm}
            name = spec["name"] + "_mmpretrain"
            torch.save(ckpt, os.path.join(FIXTURES, name + ".pth"))
            # Its model_args: a bare file names only the architecture, so the
            # test gives the same arguments through a config of its own.
            index.append(dict(name=name, file=name + ".pth", arch=spec["arch"], family=family,
                              check=spec["name"], output_shape=list(out.shape)))
        print("fixture %-26s %-36s output %s" % (spec["name"], spec["arch"], tuple(out.shape)))
    with open(os.path.join(FIXTURES, "fixtures.json"), "w") as f:
        json.dump(dict(timm=timm.__version__, torch=torch.__version__, fixtures=index), f, indent=2)
        f.write("\n")
    make_torchfile_fixtures()
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(FIXTURES) for n in ns)
    print("fixtures: %d KB in %s" % (total // 1024, os.path.relpath(FIXTURES, ROOT)))


def make_torchfile_fixtures():
    """Checkpoints exercising the .pth reader: a strided (transposed) view,
    float16, bfloat16 and int64 storages, a wrapper dict, and the legacy
    (pre-zip) format."""
    os.makedirs(TORCHFILE, exist_ok=True)
    m = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    sd = {"t": m.t(), "row": m[1], "half": torch.tensor([1.0, -2.0, 0.5], dtype=torch.float16),
          "bf16": torch.tensor([1.5, -3.0], dtype=torch.bfloat16), "long": torch.tensor([7, -1])}
    ckpt = {"meta": {"epoch": 1, "note": "not a tensor"}, "model": sd}
    torch.save(ckpt, os.path.join(TORCHFILE, "wrapped.pth"))
    torch.save(sd, os.path.join(TORCHFILE, "legacy.pth"), _use_new_zipfile_serialization=False)
    print("torchfile fixtures in %s" % os.path.relpath(TORCHFILE, ROOT))


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


NOTEBOOK_ARGS = dict(img_size=28, patch_size=4, in_chans=1, embed_dim=32, depth=3, num_heads=2, mlp_ratio=2.0,
                     num_classes=10, global_pool="avg")
GRAY_MEAN, GRAY_STD = 0.286, 0.353  # Fashion-MNIST statistics, fgia's demo presets'


def save_gray(model, folder):
    save_for_hf(model, folder, safe_serialization=True,
                data_config=dict(mean=(GRAY_MEAN,), std=(GRAY_STD,), crop_pct=1.0, interpolation="bicubic"))


def make_notebook_models(src="/usr/share/datasets/fashion-mnist", epochs=3):
    torch.manual_seed(0)
    os.makedirs(NOTEBOOK_MODELS, exist_ok=True)
    for name in ("timm-vit-fmnist", "timm-vit-random"):
        shutil.rmtree(os.path.join(NOTEBOOK_MODELS, name), ignore_errors=True)
    random_init = timm.create_model("vit_tiny_patch16_224", pretrained=False, **NOTEBOOK_ARGS)
    save_gray(random_init, os.path.join(NOTEBOOK_MODELS, "timm-vit-random"))
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, **NOTEBOOK_ARGS)
    model.load_state_dict(random_init.state_dict())
    # Only the training images: the demo set's test images come from
    # Fashion-MNIST's separate t10k split, which is never read here.
    x = read_idx(os.path.join(src, "train-images-idx3-ubyte.gz")).float().div(255).sub(GRAY_MEAN).div(GRAY_STD)
    x = x.unsqueeze(1)
    y = read_idx(os.path.join(src, "train-labels-idx1-ubyte.gz")).long()
    batch = 256
    steps = epochs * (len(x) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.1)
    g = torch.Generator().manual_seed(1)
    model.train()
    start, step = time.time(), 0
    for epoch in range(epochs):
        perm = torch.randperm(len(x), generator=g)
        correct = seen = 0
        for b in range(len(x) // batch):
            idx = perm[b * batch:(b + 1) * batch]
            xb, yb = x[idx], y[idx]
            flip = torch.rand(batch, generator=g) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            logits = model(xb)
            loss = torch.nn.functional.cross_entropy(logits, yb, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            correct += (logits.argmax(1) == yb).sum().item()
            seen += batch
        print("notebook model: epoch %d, training accuracy %.3f, %.0f s" % (epoch + 1, correct / seen, time.time() - start))
    model.eval()
    save_gray(model, os.path.join(NOTEBOOK_MODELS, "timm-vit-fmnist"))
    write_notebook_checks(x[:8])
    with open(os.path.join(NOTEBOOK_MODELS, "README.md"), "w") as f:
        f.write("# Models notebook 07 imports\n\n"
                "Written by `scripts/timm_fixtures.py notebook` (timm %s, torch %s) in timm's hub layout.\n\n"
                "- `timm-vit-fmnist`: timm `vit_tiny_patch16_224` with %s, trained by timm/PyTorch for %d epochs "
                "on the 60,000 Fashion-MNIST training images (AdamW 2e-3, one-cycle, label smoothing 0.1, flips); "
                "last-epoch training accuracy %.3f. The demo set's test images come from Fashion-MNIST's t10k split, "
                "which it never saw.\n"
                "- `timm-vit-random`: the same architecture at its timm initialisation (seed 0), the from-scratch "
                "baseline.\n\n"
                "Each folder's `check.safetensors` holds eight Fashion-MNIST training images (normalised, NCHW) and "
                "timm's output on them, for the notebook's parity check.\n"
                % (timm.__version__, torch.__version__, NOTEBOOK_ARGS, epochs, correct / seen))


def write_notebook_checks(images):
    """check.safetensors beside each notebook model: a few images and timm's
    output on them, loaded back the way a user would (local-dir)."""
    for name in ("timm-vit-fmnist", "timm-vit-random"):
        folder = os.path.join(NOTEBOOK_MODELS, name)
        m = timm.create_model("local-dir:" + folder, pretrained=True)
        m.eval()
        with torch.no_grad():
            out = m(images)
        safetensors.torch.save_file({"images": images.contiguous(), "output": out.contiguous()},
                                    os.path.join(folder, "check.safetensors"))


def run(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def diffs(a, b):
    """Largest absolute difference, and the same relative to the largest |b|."""
    d = (a - b).abs().max().item()
    return d, d / max(b.abs().max().item(), 1e-12)


def roundtrip(fgia, keep=None):
    tmp = keep or tempfile.mkdtemp(prefix="fgia-timm-")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, GOMLX_NO_AUTO_INSTALL="1")
    index = json.load(open(os.path.join(FIXTURES, "fixtures.json")))
    rows = []

    def check_export(label, arch_label, export, original=None):
        m = timm.create_model("local-dir:" + export, pretrained=True)  # strict: every key must fit
        m.eval()
        chk = safetensors.torch.load_file(os.path.join(export, "fgia_check.safetensors"))
        with torch.no_grad():
            back = m(chk["images"])
            row = dict(label=label, arch=arch_label, roundtrip=diffs(back, chk["output"]))
            if original is not None:
                o = timm.create_model("local-dir:" + original, pretrained=True)
                o.eval()
                row["import"] = diffs(chk["output"], o(chk["images"]))
        rows.append(row)
        print("  %s" % row)

    for fx in index["fixtures"]:
        run_dir = os.path.join(tmp, "run-" + fx["name"])
        export = os.path.join(tmp, "export-" + fx["name"])
        for d in (run_dir, export):
            shutil.rmtree(d, ignore_errors=True)
        if "file" in fx:
            original = os.path.join(FIXTURES, fx["check"])
            cfg = json.load(open(os.path.join(original, "config.json")))
            # A bare .pth names only the architecture; copy it beside the
            # model_args its folder twin records, as a user would with --model
            # and a config.json.
            src = os.path.join(tmp, "mm-" + fx["name"])
            shutil.rmtree(src, ignore_errors=True)
            os.makedirs(src)
            shutil.copy(os.path.join(FIXTURES, fx["file"]), os.path.join(src, "pytorch_model.bin"))
            with open(os.path.join(src, "config.json"), "w") as f:
                json.dump(cfg, f)
            weights = src
        else:
            original = weights = os.path.join(FIXTURES, fx["folder"])
        run([fgia, "import", "--weights", weights, "--out", run_dir], env=env)
        run([fgia, "export", "--run", run_dir, "--out", export, "--check", "2"], env=env)
        check_export(fx["name"], fx["arch"], export, original)

    # Runs trained in fgia: the quick demo set, a few steps of each demo preset.
    data, labels = os.path.join(tmp, "data"), os.path.join(tmp, "labels")
    if not os.path.isdir(data):
        run([fgia, "demo-data", "--quick", "--out", data, "--labels", labels], env=env, stdout=subprocess.DEVNULL)
        run([fgia, "clean", "--data", data], env=env, stdout=subprocess.DEVNULL)
    for preset in ("demo-vit", "demo-swin", "demo-vit-subarc"):
        run_dir, export = os.path.join(tmp, "trained-" + preset), os.path.join(tmp, "export-trained-" + preset)
        for d in (run_dir, export):
            shutil.rmtree(d, ignore_errors=True)
        run([fgia, "train", "--data", data, "--preset", preset, "--max-steps", "3", "--out", run_dir], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run([fgia, "export", "--run", run_dir, "--out", export, "--check", "2"], env=env)
        arch = json.load(open(os.path.join(export, "config.json")))["architecture"]
        check_export("fgia-trained " + preset, arch, export)

    lines = ["# timm parity", "",
             "Written by `scripts/timm_fixtures.py roundtrip` (`make timm-parity`): timm %s, torch %s, safetensors %s."
             % (timm.__version__, torch.__version__, safetensors.__version__), "",
             "Every fixture of `fgia/pretrained/testdata/timm` (random weights, timm's hub layout; `_mmpretrain`: the "
             "same weights in MMPretrain's keys, as a .pth) was imported by `fgia import`, exported back by "
             "`fgia export --check 2`, and loaded by timm with `create_model(\"local-dir:EXPORT\")` (strict). "
             "The last rows are runs trained for 3 steps by `fgia train` on the quick demo set and exported the "
             "same way (a sub-center ArcFace head has no timm equivalent: that run exports its backbone).", "",
             "- *fgia vs timm*: fgia's output on the two check images against the original timm model's.",
             "- *timm(export) vs fgia*: the exported model in timm against fgia's output.",
             "- Relative: the largest difference over the largest |output|.", "",
             "| model | timm architecture | fgia vs timm: max abs | rel | timm(export) vs fgia: max abs | rel |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        imp = r.get("import")
        imp_s = "%.2e | %.2e" % imp if imp else "— | —"
        lines.append("| %s | `%s` | %s | %.2e | %.2e |" % (r["label"], r["arch"], imp_s, *r["roundtrip"]))
    worst = max(max(r["roundtrip"][1], r.get("import", (0, 0))[1]) for r in rows)
    lines += ["", "Where both columns agree to the last digit, the export's weights are the imported ones bit for bit, so "
              "timm(export) computes exactly what timm(original) does.", "",
              "Largest differences per family (all rows):", ""]
    for family, prefix in (("ViT", "vit_"), ("Swin-V2", "swinv2_")):
        fam = [r for r in rows if r["arch"].startswith(prefix)]
        a = max(max(r["roundtrip"][0], r.get("import", (0, 0))[0]) for r in fam)
        rel = max(max(r["roundtrip"][1], r.get("import", (0, 0))[1]) for r in fam)
        lines.append("- %s: %.2e absolute, %.2e relative (%d rows)" % (family, a, rel, len(fam)))
    lines += ["", "Largest relative difference: %.2e (`go test ./fgia/pretrained` asserts 1e-4)." % worst, ""]
    with open(REPORT, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    if worst > 1e-4:
        sys.exit("timm parity: relative difference %.2e above 1e-4" % worst)
    if keep is None:
        shutil.rmtree(tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("steps", nargs="+", choices=["fixtures", "notebook", "roundtrip"])
    ap.add_argument("--fgia", default=os.path.join(ROOT, "build", "bin", "fgia"), help="fgia binary (roundtrip)")
    ap.add_argument("--keep", help="work folder of the round trip, kept (default: a temporary one, removed)")
    a = ap.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    for step in a.steps:
        {"fixtures": make_fixtures, "notebook": make_notebook_models,
         "roundtrip": lambda: roundtrip(a.fgia, a.keep)}[step]()


if __name__ == "__main__":
    main()
