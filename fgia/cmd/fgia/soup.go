package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fgia/fgia/fgia/ensemble"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/score"
	"github.com/fgia/fgia/fgia/soup"
)

func init() {
	register(command{name: "soup", group: "after training",
		summary: "uniform (or greedy) soup of a run's last K checkpoints, written as a run folder",
		doc: `Averages the weights of a run's newest --last checkpoints (a uniform model soup; the champion
used 5 for Swin-B, 7 for Swin-L) into a new run folder that predicts like any run. --greedy adds
checkpoints best first and keeps each only if the accuracy on --split (Test-A: never choose on the
reported split) does not drop.`,
		usage:    "--run RUN --out RUN [--last K] [--greedy --data DIR --labels FILE] [flags]",
		required: []string{"run", "out"},
		examples: []string{"fgia soup --run runs/vit --last 5 --out runs/vit-soup"},
		setup:    soupCmd})
}

func soupCmd(fs *flag.FlagSet) func() error {
	run := fs.String("run", "", "training run whose checkpoints are averaged")
	last := fs.Int("last", 5, "average the newest K checkpoints (the champion: 5 for Swin-B, 7 for Swin-L)")
	out := fs.String("out", "", "soup run folder (config.json, checkpoints/, soup.json): predict with --run OUT")
	greedy := fs.Bool("greedy", false, "greedy soup: add checkpoints best first, keep each only if the accuracy on --split does not drop")
	data := fs.String("data", "", "greedy: data folder holding --split")
	split := fs.String("split", "testa", "greedy: the split that scores candidates (a held-out split: scoring on the test set tunes to it)")
	labels := fs.String("labels", "", "greedy: labels file of --split (name label per line)")
	tta := fs.String("tta", "", "greedy: test-time augmentation when scoring (flip)")
	batch := fs.Int("batch", 256, "greedy: inference batch size")
	return func() error {
		if *last < 1 {
			return fmt.Errorf("--last %d: want >= 1 checkpoint", *last)
		}
		if !*greedy {
			if err := soup.Uniform(*run, *last, *out); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "uniform soup of the last %d checkpoints of %s in %s\n", *last, *run, *out)
			return nil
		}
		if err := required("data", *data, "labels", *labels); err != nil {
			return err
		}
		l, err := score.ReadLabels(*labels)
		if err != nil {
			return err
		}
		bi, err := newBackend()
		if err != nil {
			return err
		}
		tmp, err := os.MkdirTemp("", "fgia-soup-score")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		info, err := soup.Greedy(*run, *last, *out, func(ckpt string) (float64, error) {
			f := filepath.Join(tmp, "pred.parquet")
			_, err := predict.Run(predict.Options{Run: *run, Checkpoint: ckpt, Data: *data, Split: *split, TTA: *tta,
				Out: f, Batch: *batch, Backend: bi.b, Quiet: true})
			if err != nil {
				return 0, err
			}
			acc, err := ensemble.Accuracy(f, l)
			if err == nil {
				fmt.Fprintf(stdout, "  %s: %.4f\n", filepath.Base(ckpt), acc)
			}
			return acc, err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "greedy soup of %d of the last %d checkpoints of %s in %s: %s accuracy %.4f\n",
			len(info.Checkpoints), *last, *run, *out, *split, info.Score)
		return nil
	}
}
