package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/score"
)

func predictCmd(fs *flag.FlagSet) func() error {
	var o predict.Options
	fs.StringVar(&o.Run, "run", "", "run folder")
	fs.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint file (default: the run's newest)")
	fs.StringVar(&o.Data, "data", "", "data folder holding the split")
	fs.StringVar(&o.Split, "split", "testb", "testa or testb")
	fs.StringVar(&o.TTA, "tta", "", "test-time augmentation: flip (average logits of the image and its mirror)")
	fs.StringVar(&o.Out, "out", "", "prediction Parquet file")
	fs.IntVar(&o.Batch, "batch", 256, "inference batch size")
	fs.BoolVar(&o.EMA, "ema", false, "predict with the EMA weights (runs trained with --ema)")
	fs.IntVar(&o.Workers, "workers", 0, "loader goroutines (default: one per CPU)")
	shard := fs.String("shard", "", "predict only shard k of n (1-based, e.g. 2/4): the k-th contiguous block of the sorted images; join the shards with `fgia merge`")
	return func() error {
		if err := required("run", o.Run, "data", o.Data, "out", o.Out); err != nil {
			return err
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
		o.Backend = bi.b
		n, err := predict.Run(o)
		if err != nil {
			return err
		}
		fmt.Printf("wrote %d predictions to %s\n", n, o.Out)
		return nil
	}
}

func scoreCmd(fs *flag.FlagSet) func() error {
	pred := fs.String("pred", "", "prediction Parquet file")
	labels := fs.String("labels", "", "hidden labels (name label per line), e.g. LABELS/testb.txt")
	return func() error {
		if err := required("pred", *pred, "labels", *labels); err != nil {
			return err
		}
		rows, counts, err := predict.Read(*pred)
		if err != nil {
			return err
		}
		l, err := score.ReadLabels(*labels)
		if err != nil {
			return err
		}
		r, err := score.Score(rows, l, counts)
		if err != nil {
			return err
		}
		fmt.Print(r.Markdown())
		if r.Missing > 0 {
			fmt.Printf("warning: %d labelled images have no prediction\n", r.Missing)
		}
		return nil
	}
}
