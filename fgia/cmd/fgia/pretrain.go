package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/fgia/fgia/fgia/pretrain"
)

func pretrainCmd(fs *flag.FlagSet) func() error {
	data := fs.String("data", "", "data folder (reads the images of meta/train_clean.txt and of the test splits)")
	list := fs.String("list", "", "training list whose images are used (default DATA/meta/train_clean.txt)")
	method := fs.String("method", "mae", "mae (ViT) or simmim (Swin-V2); picks the demo preset unless --preset is given")
	name := fs.String("preset", "", "pretraining recipe: "+strings.Join(pretrain.Names(), ", "))
	out := fs.String("out", "", "run folder (pretrain.json, metrics.jsonl, checkpoints/)")
	resume := fs.Bool("resume", false, "continue the run in --out from its last checkpoint")
	splits := fs.String("splits", "testa,testb", "unlabelled test splits to pretrain on too (comma-separated; empty: train only)")
	epochs := fs.Float64("epochs", 0, "override the preset's epochs")
	maxSteps := fs.Int("max-steps", 0, "stop after this many steps (a quick budget)")
	batch := fs.Int("batch", 0, "override the preset's batch size")
	lr := fs.Float64("lr", 0, "override the preset's peak learning rate")
	ratio := fs.Float64("mask-ratio", 0, "override the preset's mask ratio (MAE 0.75, SimMIM 0.6)")
	every := fs.Int("checkpoint-every", 0, "checkpoint every N steps (default: every epoch)")
	workers := fs.Int("workers", 0, "loader goroutines (default: one per CPU)")
	precision := fs.String("precision", "", "matmul precision: f32 (default) or bf16 (float32 weights and loss)")
	return func() error {
		if err := required("out", *out); err != nil {
			return err
		}
		var cfg pretrain.Config
		if !*resume {
			if err := required("data", *data); err != nil {
				return err
			}
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
			setIf(&cfg.Epochs, *epochs)
			setIf(&cfg.Optim.Schedule.LR, *lr)
			setIf(&cfg.MaskRatio, *ratio)
			setIf(&cfg.MaxSteps, *maxSteps)
			setIf(&cfg.BatchSize, *batch)
			setIf(&cfg.CheckpointEvery, *every)
			if *precision != "" {
				cfg.Precision = *precision
			}
		}
		var sp []string
		for _, s := range strings.Split(*splits, ",") {
			if s = strings.TrimSpace(s); s != "" {
				sp = append(sp, s)
			}
		}
		bi, err := newBackend()
		if err != nil {
			return err
		}
		sum, err := pretrain.Run(cfg, pretrain.Options{Data: *data, List: *list, Splits: sp, Out: *out, Resume: *resume, Backend: bi.b, Workers: *workers})
		if err != nil {
			return err
		}
		fmt.Printf("pretrained %s to step %d (epoch %.2f), last loss %.4f; checkpoint %s\nfine-tune from it: fgia train --init %s ...\n",
			*out, sum.Steps, sum.Epochs, sum.LastLoss, sum.Checkpoint, *out)
		return nil
	}
}

// setIf overrides *dst with v when the flag was given a positive value.
func setIf[T int | uint64 | float64](dst *T, v T) {
	if v > 0 {
		*dst = v
	}
}

// isSet reports whether a flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
