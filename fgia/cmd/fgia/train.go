package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/preset"
	"github.com/fgia/fgia/fgia/pretrained"
	"github.com/fgia/fgia/fgia/train"
)

// newBackend creates the backend and says which one runs.
func newBackend() (*backendInfo, error) {
	b, c, err := backend.New()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "backend: %s\n", c)
	return &backendInfo{b, c}, nil
}

func trainCmd(fs *flag.FlagSet) func() error {
	data := fs.String("data", "", "data folder (reads meta/train_clean.txt)")
	list := fs.String("list", "", "annotation list to train on (default DATA/meta/train_clean.txt)")
	name := fs.String("preset", "demo-vit", "training recipe: "+strings.Join(preset.Names(), ", "))
	out := fs.String("out", "", "run folder (config.json, metrics.jsonl, checkpoints/)")
	resume := fs.Bool("resume", false, "continue the run in --out from its last checkpoint")
	init := fs.String("init", "", "start the backbone from this run's (or checkpoint file's) weights; an imported run (fgia import) whose backbone the preset cannot hold is fine-tuned with its own backbone at the preset's input size")
	epochs := fs.Float64("epochs", 0, "override the preset's epochs")
	maxSteps := fs.Int("max-steps", 0, "stop after this many steps (a quick budget)")
	batch := fs.Int("batch", 0, "override the preset's batch size (images a forward pass: a micro-batch with --accum, split over --devices)")
	accum := fs.Int("accum", 0, "gradient accumulation: one optimizer step every N batches, with their mean gradient (effective batch: batch x N; steps count optimizer steps)")
	devices := fs.Int("devices", 0, "train data-parallel over N devices of the backend (GoMLX AutoSharding; the batch is split over them); 0 or 1: one, -1: all. On XLA's CPU plugin, FGIA_PJRT_OPTIONS=cpu_device_count=N makes N devices")
	lr := fs.Float64("lr", 0, "override the preset's peak learning rate")
	seed := fs.Uint64("seed", 0, "override the preset's seed")
	classes := fs.Int("classes", 0, "number of classes (default: the class folders under train/)")
	every := fs.Int("checkpoint-every", 0, "checkpoint every N steps (default: every epoch)")
	sampler := fs.String("sampler", "", "shuffle (default) or balanced")
	workers := fs.Int("workers", 0, "loader goroutines (default: one per CPU)")
	ema := fs.Float64("ema", 0, "keep an exponential moving average of the weights with this decay (e.g. 0.9998)")
	clip := fs.Float64("clip", 0, "clip the global gradient norm to this value")
	layerDecay := fs.Float64("layer-decay", 0, "layer-wise lr decay (e.g. 0.75 when fine-tuning from MAE; ViT only)")
	teachers := fs.String("teacher", "", "distil from these prediction files (comma-separated): listed test images learn their soft targets")
	temp := fs.Float64("temperature", 2, "distillation temperature (with --teacher)")
	precision := fs.String("precision", "", "override the preset's backbone matmul precision: f32, or bf16 (mixed precision: bf16 matmuls, float32 weights, norms, head and loss); recorded in config.json, so prediction follows")
	return func() error {
		if err := required("out", *out); err != nil {
			return err
		}
		var cfg train.Config
		if !*resume {
			if err := required("data", *data); err != nil {
				return err
			}
			n := *classes
			if n == 0 {
				var err error
				if n, err = (dataset.Layout{Root: *data}).NumClassFolders(); err != nil {
					return err
				}
			}
			var err error
			if cfg, err = preset.Get(*name, n); err != nil {
				return err
			}
			setIf(&cfg.Epochs, *epochs)
			setIf(&cfg.MaxSteps, *maxSteps)
			setIf(&cfg.BatchSize, *batch)
			setIf(&cfg.AccumSteps, *accum)
			setIf(&cfg.Optim.Schedule.LR, *lr)
			setIf(&cfg.Seed, *seed)
			setIf(&cfg.CheckpointEvery, *every)
			if *sampler != "" {
				cfg.Sampler = *sampler
			}
			setIf(&cfg.Optim.EMA, *ema)
			setIf(&cfg.Optim.ClipNorm, *clip)
			setIf(&cfg.Optim.LayerDecay, *layerDecay)
			if *precision != "" {
				cfg.Model.Precision = *precision
			}
			if *teachers != "" {
				cfg.Distill = &train.Distill{Teachers: strings.Split(*teachers, ","), Temperature: *temp}
			}
			if *init != "" {
				// An imported model whose backbone the preset cannot hold is
				// fine-tuned as it is, at the preset's input size.
				spec, msg, err := pretrained.InitSpec(*init, cfg.Model)
				if err != nil {
					return err
				}
				if msg != "" {
					fmt.Fprintln(os.Stderr, msg)
				}
				cfg.Model = spec
			}
		}
		// backend.New reads the PJRT options (memory settings, or a CPU
		// plugin split into devices) from FGIA_PJRT_OPTIONS.
		bi, err := newBackend()
		if err != nil {
			return err
		}
		sum, err := train.Run(cfg, train.Options{Data: *data, List: *list, Out: *out, Resume: *resume, Init: *init, Backend: bi.b, Workers: *workers, Devices: *devices})
		if err != nil {
			return err
		}
		fmt.Printf("trained %s to step %d (epoch %.2f), last loss %.4f; checkpoint %s\n", *out, sum.Steps, sum.Epochs, sum.LastLoss, sum.Checkpoint)
		return nil
	}
}
