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
	fmt.Fprintf(stderr, "backend: %s\n", c)
	return &backendInfo{b, c}, nil
}

// trainAliases are train's shorthand flags for config fields.
var trainAliases = []alias{
	{"epochs", "epochs", "training epochs"},
	{"max-steps", "max_steps", "stop after this many optimizer steps (0: epochs decide)"},
	{"batch", "batch_size", "images a forward pass (a micro-batch with --accum, split over --devices): the global batch"},
	{"accum", "accum_steps", "gradient accumulation: one optimizer step every N batches (effective batch: batch x N)"},
	{"lr", "optim.schedule.lr", "peak learning rate"},
	{"seed", "seed", "random seed (initialisation, order, augmentation)"},
	{"checkpoint-every", "checkpoint_every", "checkpoint every N steps (0: every epoch)"},
	{"keep", "keep", "checkpoints kept (soups average the last ones)"},
	{"sampler", "sampler", "shuffle or balanced"},
	{"ema", "optim.ema", "exponential moving average of the weights with this decay, e.g. 0.9998 (0: off)"},
	{"clip", "optim.clip_norm", "clip the global gradient norm to this value (0: off)"},
	{"layer-decay", "optim.layer_decay", "layer-wise lr decay, e.g. 0.75 from MAE weights (0 or 1: off; ViT only)"},
	{"precision", "model.precision", "backbone matmul precision: f32, or bf16 (bf16 matmuls, float32 weights, norms, head and loss)"},
	{"val-split", "val_split", "hold out this share of each class to validate on at every epoch end (the best epoch is kept in checkpoints/best/)"},
	{"val-list", "val_list", "validate at every epoch end on this annotation list (its images are kept out of training)"},
}

func init() {
	register(command{name: "train", group: "training",
		summary: "fine-tune a preset (or a config) on a cleaned data set (resumable)",
		doc: `Trains a classifier as one GoMLX graph on meta/train_clean.txt (or --list) and writes a run
folder: config.json (everything needed to rebuild the model, give it back with --config),
metrics.jsonl, checkpoints/ (atomic, the last --keep kept, each with a SHA-256). --resume continues
after a kill from the newest intact checkpoint; only epochs, max_steps, checkpoint_every, keep and
log_every may change then. Every field of the config can be set with --set PATH=VALUE; the short
flags below are aliases. The number of classes comes from the data's annotations.`,
		usage:    "--data DIR --out RUN [--preset NAME | --config FILE] [--set PATH=VALUE ...] [flags]",
		required: []string{"out"},
		examples: []string{
			"fgia train --data data/webfashion --preset demo-vit --out runs/vit",
			"fgia train --data data/webfashion --config runs/vit/config.json --set optim.schedule.lr=1e-3 --out runs/vit-lr1e-3",
			"fgia train --resume --out runs/vit --epochs 20",
		},
		setup: trainCmd})
}

func trainCmd(fs *flag.FlagSet) func() error {
	data := fs.String("data", "", "data folder (reads meta/train_clean.txt; required unless --resume)")
	list := fs.String("list", "", "annotation list to train on (default DATA/meta/train_clean.txt)")
	name := fs.String("preset", "demo-vit", "training recipe: "+strings.Join(preset.Names(), ", ")+" (`fgia models` describes them)")
	out := fs.String("out", "", "run folder (config.json, metrics.jsonl, checkpoints/)")
	resume := fs.Bool("resume", false, "continue the run in --out from its newest intact checkpoint")
	init := fs.String("init", "", "start the backbone from this run's (or checkpoint file's) weights, the head fresh; an imported run (fgia import) whose backbone the preset cannot hold is fine-tuned with its own backbone at the preset's input size")
	classes := fs.Int("classes", 0, "number of classes (default: from the data's annotations; checked against them)")
	workers := fs.Int("workers", 0, "loader goroutines (default: one per CPU)")
	devices := fs.Int("devices", 0, "train data-parallel over N devices of the backend (the batch is split over them); 0 or 1: one, -1: all. On XLA's CPU plugin, FGIA_PJRT_OPTIONS=cpu_device_count=N makes N devices")
	teachers := fs.String("teacher", "", "distil from these prediction files (comma-separated): listed test images learn their outputs")
	temp := fs.Float64("temperature", 2, "distillation temperature (with --teacher)")
	alpha := fs.Float64("distill-alpha", 0.5, "weight of the distillation term (with --teacher); the hard-label loss gets 1 - alpha")
	softTargets := fs.Bool("soft-targets", false, "with --teacher: soft-label training on the teacher's softmax at --temperature instead of distillation")
	cf := newConfigFlags(fs, trainAliases)
	return func() error {
		if *resume {
			if isSet(fs, "data") || isSet(fs, "preset") || cf.file != "" || *init != "" || *teachers != "" {
				return fmt.Errorf("--resume continues the run in %s as it was configured: --data, --preset, --config, --init and --teacher do not apply (start a new run instead)", *out)
			}
			bi, err := newBackend()
			if err != nil {
				return err
			}
			sum, err := train.Run(train.Config{}, train.Options{Out: *out, Resume: true, Changes: cf.assignments, Backend: bi.b, Log: stderr, Workers: *workers, Devices: *devices})
			if err != nil {
				return cf.explain(err)
			}
			return reportTrained(*out, sum)
		}
		if err := required("data", *data); err != nil {
			return err
		}
		n, err := dataClasses(*data, *classes)
		if err != nil {
			return err
		}
		var cfg train.Config
		if cf.file != "" {
			if isSet(fs, "preset") {
				return fmt.Errorf("give --preset or --config, not both")
			}
			if err := cf.load(&cfg); err != nil {
				return err
			}
			if cfg.Model.Head.Classes != n {
				return fmt.Errorf("--config %s is for %d classes, the data has %d (set --set model.head.classes=%d to retrain the head)", cf.file, cfg.Model.Head.Classes, n, n)
			}
		} else if cfg, err = preset.Get(*name, n); err != nil {
			return err
		}
		if *teachers != "" {
			cfg.Distill = &train.Distill{Teachers: strings.Split(*teachers, ","), Temperature: *temp, Alpha: *alpha, Soft: *softTargets}
		}
		if *init != "" {
			// An imported model whose backbone the preset cannot hold is
			// fine-tuned as it is, at the preset's input size.
			spec, msg, err := pretrained.InitSpec(*init, cfg.Model)
			if err != nil {
				return err
			}
			if msg != "" {
				fmt.Fprintln(stderr, msg)
			}
			cfg.Model = spec
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
		if err := checkFits(cfg.Model, cfg.BatchSize, cfg.Optim.EMA > 0, bi.c.Config); err != nil {
			return err
		}
		sum, err := train.Run(cfg, train.Options{Data: *data, List: *list, Out: *out, Init: *init, Backend: bi.b, Log: stderr, Workers: *workers, Devices: *devices})
		if err != nil {
			return err
		}
		return reportTrained(*out, sum)
	}
}

func reportTrained(out string, sum *train.Summary) error {
	fmt.Fprintf(stdout, "trained %s to step %d (epoch %.2f), last loss %.4f; checkpoint %s\n", out, sum.Steps, sum.Epochs, sum.LastLoss, sum.Checkpoint)
	return nil
}

// dataClasses is the data set's number of classes from its annotations;
// a given count must agree with it.
func dataClasses(data string, given int) (int, error) {
	l := dataset.Layout{Root: data}
	if err := l.Check(); err != nil {
		return 0, err
	}
	if _, err := os.Stat(l.Path(dataset.CleanList)); err != nil {
		return 0, fmt.Errorf("%s has no cleaned list yet: run `fgia clean --data %s` first", data, data)
	}
	n, err := l.NumClasses()
	if err != nil {
		return 0, err
	}
	if given != 0 && given != n {
		return 0, fmt.Errorf("--classes %d, but the annotations of %s have %d classes", given, data, n)
	}
	return n, nil
}

// isSet reports whether a flag was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// required returns an error naming the first empty flag value.
func required(pairs ...string) error {
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return fmt.Errorf("--%s is required", pairs[i])
		}
	}
	return nil
}
