package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fgia/fgia/fgia/reproduce"
)

func reproduceCmd(fs *flag.FlagSet) func() error {
	var o reproduce.Options
	fs.StringVar(&o.Data, "data", "", "data folder in the competition layout (cleaned first if meta/train_clean.txt is missing)")
	fs.StringVar(&o.Labels, "labels", "", "hidden labels folder: testa.txt and testb.txt (used only to score and to weight the ensemble)")
	fs.StringVar(&o.Out, "out", "", "output folder: ablation.parquet, ablation.md, preds/, plots/, runs/, submission_*.csv")
	budget := fs.String("budget", "quick", "quick (about 1K training images, minutes), full (the reference run) or smoke: "+strings.Join(reproduce.BudgetNames(), ", "))
	fs.IntVar(&o.Geometry.Size, "size", reproduce.DemoGeometry.Size, "model input side in pixels (a multiple of 4)")
	fs.BoolVar(&o.Geometry.RGB, "rgb", false, "train on RGB (default gray, as the demo set)")
	fs.IntVar(&o.Workers, "workers", 0, "loader goroutines (default: one per CPU)")
	return func() error {
		if err := required("data", o.Data, "labels", o.Labels, "out", o.Out); err != nil {
			return err
		}
		var err error
		if o.Budget, err = reproduce.GetBudget(*budget); err != nil {
			return err
		}
		bi, err := newBackend()
		if err != nil {
			return err
		}
		o.Backend = bi.b
		t0 := time.Now()
		rows, err := reproduce.Run(o)
		if err != nil {
			return err
		}
		fmt.Printf("reproduced %d ablation rows in %s: %s\n", len(rows), time.Since(t0).Round(time.Second), filepath.Join(o.Out, reproduce.Markdown))
		return nil
	}
}
