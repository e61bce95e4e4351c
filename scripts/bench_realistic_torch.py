#!/usr/bin/env python3
"""PyTorch peer of `fgia bench` at realistic sizes: timm's own models, built
with the settings of fgia's presets, trained and then run for inference on
the CPU with random inputs (speed does not depend on the pixels).

  vit    timm vit_small_patch16_224, global_pool="avg" (mean of the patch
         tokens, then fc_norm: fgia's vit-s16-224, MAE's form), drop path
         0.1, 5000 classes
  swin   timm swinv2_tiny_window16_256, drop path 0.2 (fgia's swinv2-t),
         5000 classes

AdamW (lr 1e-3, weight decay 0.05) on cross-entropy, as `fgia bench`. Each
timed step is measured on its own; the last line gives the rates over all
timed steps and the median step:

  train_img_per_s=X infer_img_per_s=Y train_cpu_s_per_step=A infer_cpu_s_per_batch=B

Run in build/venv-bench (scripts/bench_realistic.sh makes it: Debian's
python3-torch 1.13 with OpenBLAS, timm from PyPI):
    build/venv-bench/bin/python scripts/bench_realistic_torch.py --model vit
"""
import argparse
import logging
import warnings

import torch
from torch import nn

from bench_timing import timed

MODELS = {
    "vit": ("vit_small_patch16_224", dict(global_pool="avg", drop_path_rate=0.1), 224),
    "swin": ("swinv2_tiny_window16_256", dict(drop_path_rate=0.2), 256),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(MODELS), default="vit")
    ap.add_argument("--classes", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=16, help="training batch")
    ap.add_argument("--infer-batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=4, help="timed training steps (after --warmup)")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--infer-steps", type=int, default=3, help="timed inference batches (after one warm-up batch)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default, every core)")
    args = ap.parse_args()
    # huggingface_hub warns about optional HTTP modules at import; nothing is downloaded.
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import timm

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    name, kwargs, side = MODELS[args.model]
    model = timm.create_model(name, pretrained=False, num_classes=args.classes, **kwargs)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(args.batch, 3, side, side)
    y = torch.randint(0, args.classes, (args.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    train, train_cpu = timed(step, args.warmup, args.steps)

    model.eval()
    xi = torch.randn(args.infer_batch, 3, side, side)
    with torch.no_grad():
        infer, infer_cpu = timed(lambda: model(xi), 1, args.infer_steps)
    print(f"timm {timm.__version__} {name} {kwargs}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(
        f"train_img_per_s={args.batch * len(train) / sum(train):.2f} "
        f"infer_img_per_s={args.infer_batch * len(infer) / sum(infer):.2f} "
        f"train_cpu_s_per_step={train_cpu:.3f} infer_cpu_s_per_batch={infer_cpu:.3f}"
    )


if __name__ == "__main__":
    main()
