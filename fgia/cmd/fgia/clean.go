package main

import (
	"flag"
	"fmt"
	"sort"

	"github.com/fgia/fgia/fgia/clean"
)

func cleanCmd(fs *flag.FlagSet) func() error {
	o := clean.DefaultOptions()
	data := fs.String("data", "", "data folder in the competition layout")
	fs.IntVar(&o.NumClasses, "classes", 0, "number of classes (default: the class folders under train/)")
	fs.IntVar(&o.MinSide, "min-side", o.MinSide, "drop images whose shorter side is below this many pixels")
	fs.IntVar(&o.MaxPixels, "max-pixels", o.MaxPixels, "refuse images declaring more pixels than this (decompression bombs)")
	fs.BoolVar(&o.Outliers, "outliers", false, "also drop out-of-distribution images (off by default: the champion found no gain)")
	fs.Float64Var(&o.OutlierZ, "outlier-z", o.OutlierZ, "robust z-score above which --outliers drops an image")
	fs.IntVar(&o.Workers, "workers", 0, "scan goroutines (default: one per CPU)")
	return func() error {
		if err := required("data", *data); err != nil {
			return err
		}
		s, err := clean.Run(*data, o)
		if err != nil {
			return err
		}
		fmt.Printf("%d files under train/, %d annotation lines: %d kept, %d dropped\n", s.Files, s.Lines, s.Kept, len(s.Rows)-s.Kept)
		reasons := make([]string, 0, len(s.Reasons))
		for r := range s.Reasons {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			fmt.Printf("  %-28s %d\n", r, s.Reasons[r])
		}
		fmt.Printf("wrote %s/meta/manifest.parquet and %s/meta/train_clean.txt\n", *data, *data)
		return nil
	}
}
