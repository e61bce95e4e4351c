package main

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/train"

	"github.com/fgia/fgia/fgia/predict"
)

func init() {
	register(command{name: "predict", group: "prediction",
		summary: "predict a test split, or any folder of images, with a trained run into Parquet",
		doc: `Runs a run's newest intact checkpoint (or --checkpoint) over the images of DATA/SPLIT or of any
folder (--images, recursive) with the run's own eval preprocessing, and writes one Parquet row per
image: image, pred, score (its probability) and the full logit vector, with the run's training class
counts in the footer. An image that cannot be read (a web image, a stray file) does not stop it: its
row is a uniform guess and it is listed under fgia.unreadable in the footer; fgia submit labels it
visibly. --shard k/n predicts one block of the sorted images; fgia merge joins the shards.`,
		usage:    "--run RUN (--data DIR --split testa|testb | --images DIR) --out FILE [flags]",
		required: []string{"run", "out"},
		examples: []string{
			"fgia predict --run runs/vit --data data/webfashion --split testb --tta flip --out runs/vit/pred_testb.parquet",
			"fgia predict --run runs/vit --images ~/Pictures/shirts --out shirts.parquet",
		},
		setup: predictCmd})
}

func predictCmd(fs *flag.FlagSet) func() error {
	var o predict.Options
	fs.StringVar(&o.Run, "run", "", "run folder")
	fs.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint file (default: the run's newest intact one)")
	best := fs.Bool("best", false, "predict with the run's best validation epoch (checkpoints/best/, runs trained with --val-split or --val-list)")
	fs.StringVar(&o.Data, "data", "", "data folder holding --split")
	fs.StringVar(&o.Split, "split", "", "testa or testb (with --data)")
	fs.StringVar(&o.Images, "images", "", "any folder of images, predicted recursively (instead of --data/--split)")
	fs.StringVar(&o.TTA, "tta", "", "test-time augmentation: flip (average the logits of the image and its mirror)")
	fs.StringVar(&o.Out, "out", "", "prediction Parquet file")
	fs.IntVar(&o.Batch, "batch", 256, "inference batch size")
	fs.BoolVar(&o.EMA, "ema", false, "predict with the EMA weights (runs trained with --ema)")
	fs.IntVar(&o.Workers, "workers", 0, "loader goroutines (default: one per CPU)")
	shard := fs.String("shard", "", "predict only shard k of n (1-based, e.g. 2/4): the k-th contiguous block of the sorted images; join the shards with fgia merge")
	return func() error {
		switch {
		case o.Images == "" && (o.Data == "" || o.Split == ""):
			return fmt.Errorf("give --data DIR with --split testa|testb, or --images DIR")
		case o.Batch < 1:
			return fmt.Errorf("--batch %d: want >= 1", o.Batch)
		case o.Workers < 0:
			return fmt.Errorf("--workers %d: want >= 0 (0: one per CPU)", o.Workers)
		}
		if *best {
			if o.Checkpoint != "" {
				return fmt.Errorf("give --best or --checkpoint, not both")
			}
			c, _, err := checkpoint.LatestValid(filepath.Join(o.Run, train.CheckpointsDir, train.BestDir))
			if err != nil {
				return err
			}
			if c == nil {
				return fmt.Errorf("%s has no best checkpoint: train with --val-split or --val-list to keep one", o.Run)
			}
			o.Checkpoint = c.File
		}
		if *shard != "" {
			var err error
			if o.Shard, o.Shards, err = predict.ParseShard(*shard); err != nil {
				return err
			}
		}
		bi, err := newBackend()
		if err != nil {
			return err
		}
		o.Backend, o.Log = bi.b, stderr
		n, err := predict.Run(o)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d predictions to %s\n", n, o.Out)
		return nil
	}
}
