package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/fgia/fgia/fgia/pretrain"
)

var pretrainAliases = []alias{
	{"epochs", "epochs", "pretraining epochs"},
	{"max-steps", "max_steps", "stop after this many steps (0: epochs decide)"},
	{"batch", "batch_size", "batch size"},
	{"lr", "optim.schedule.lr", "peak learning rate"},
	{"seed", "seed", "random seed"},
	{"mask-ratio", "mask_ratio", "share of patches masked (MAE 0.75, SimMIM 0.6)"},
	{"checkpoint-every", "checkpoint_every", "checkpoint every N steps (0: every epoch)"},
	{"precision", "precision", "matmul precision: f32, or bf16 (float32 weights and loss)"},
}

func init() {
	register(command{name: "pretrain", group: "training",
		summary: "self-supervised pretraining: MAE (ViT) or SimMIM (Swin-V2) on train + test images (resumable)",
		doc: `Pretrains a backbone without labels on the images of the cleaned list and of the test splits
(the champion pretrained on train + test). The run folder holds pretrain.json, metrics.jsonl and
checkpoints/; fine-tune from it with fgia train --init RUN. Fields are set with --set as in train.`,
		usage:    "--data DIR --out RUN [--preset NAME | --method mae|simmim] [flags]",
		required: []string{"out"},
		examples: []string{
			"fgia pretrain --data data/webfashion --method mae --out runs/mae",
			"fgia train --data data/webfashion --preset demo-vit --init runs/mae --layer-decay 0.75 --out runs/vit-mae",
		},
		setup: pretrainCmd})
}

func pretrainCmd(fs *flag.FlagSet) func() error {
	data := fs.String("data", "", "data folder (the images of meta/train_clean.txt and of the test splits; required unless --resume)")
	list := fs.String("list", "", "training list whose images are used (default DATA/meta/train_clean.txt)")
	method := fs.String("method", "mae", "mae (ViT) or simmim (Swin-V2); picks the demo preset unless --preset is given")
	name := fs.String("preset", "", "pretraining recipe: "+strings.Join(pretrain.Names(), ", "))
	out := fs.String("out", "", "run folder (pretrain.json, metrics.jsonl, checkpoints/)")
	resume := fs.Bool("resume", false, "continue the run in --out from its newest intact checkpoint")
	splits := fs.String("splits", "testa,testb", "unlabelled test splits to pretrain on too (comma-separated; empty: train only)")
	workers := fs.Int("workers", 0, "loader goroutines (default: one per CPU)")
	cf := newConfigFlags(fs, pretrainAliases)
	return func() error {
		var sp []string
		for _, s := range strings.Split(*splits, ",") {
			if s = strings.TrimSpace(s); s != "" {
				sp = append(sp, s)
			}
		}
		if *resume {
			if isSet(fs, "data") || isSet(fs, "preset") || cf.file != "" {
				return fmt.Errorf("--resume continues the run in %s as it was configured: --data, --preset and --config do not apply", *out)
			}
			bi, err := newBackend()
			if err != nil {
				return err
			}
			sum, err := pretrain.Run(pretrain.Config{}, pretrain.Options{Out: *out, Resume: true, Changes: cf.assignments, Backend: bi.b, Log: stderr, Workers: *workers})
			if err != nil {
				return cf.explain(err)
			}
			return reportPretrained(*out, sum.Steps, sum.Epochs, sum.LastLoss, sum.Checkpoint)
		}
		if err := required("data", *data); err != nil {
			return err
		}
		var cfg pretrain.Config
		if cf.file != "" {
			if err := cf.load(&cfg); err != nil {
				return err
			}
		} else {
			p := *name
			switch {
			case p != "":
			case *method == pretrain.MethodMAE:
				p = "mae-vit-demo"
			case *method == pretrain.MethodSimMIM:
				p = "simmim-swin-demo"
			default:
				return fmt.Errorf("--method %q: mae or simmim", *method)
			}
			var err error
			if cfg, err = pretrain.Preset(p); err != nil {
				return err
			}
			if *name != "" && cfg.Method != *method && isSet(fs, "method") {
				return fmt.Errorf("--preset %s is %s, not --method %s", p, cfg.Method, *method)
			}
		}
		if err := cf.apply(&cfg); err != nil {
			return err
		}
		if err := cfg.Validate(); err != nil {
			return cf.explain(err)
		}
		bi, err := newBackend()
		if err != nil {
			return err
		}
		sum, err := pretrain.Run(cfg, pretrain.Options{Data: *data, List: *list, Splits: sp, Out: *out, Backend: bi.b, Log: stderr, Workers: *workers})
		if err != nil {
			return err
		}
		return reportPretrained(*out, sum.Steps, sum.Epochs, sum.LastLoss, sum.Checkpoint)
	}
}

func reportPretrained(out string, steps int, epochs, loss float64, ck string) error {
	fmt.Fprintf(stdout, "pretrained %s to step %d (epoch %.2f), last loss %.4f; checkpoint %s\nfine-tune from it: fgia train --init %s ...\n",
		out, steps, epochs, loss, ck, out)
	return nil
}
