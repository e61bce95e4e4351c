package main

import (
	"flag"
	"fmt"
	"sort"

	"github.com/fgia/fgia/fgia/clean"
)

func init() {
	register(command{name: "clean", group: "data",
		summary: "scan and clean a training set; write meta/manifest.parquet and meta/train_clean.txt",
		doc: `Reads meta/train.txt and every file under train/, checks each image (decodes it, refuses
decompression bombs and non-regular files), and drops what the champion dropped: unreadable files,
images filed under several labels, duplicates, tiny images (--outliers also drops out-of-distribution
ones). meta/manifest.parquet accounts for every file, every annotation line and every folder that is
not a class, with the reason; meta/train_clean.txt is what training reads. Classes come from the
annotations, never from folder names.`,
		usage:    "--data DIR [flags]",
		required: []string{"data"},
		examples: []string{"fgia clean --data data/webfashion"},
		setup:    cleanCmd})
}

func cleanCmd(fs *flag.FlagSet) func() error {
	o := clean.DefaultOptions()
	data := fs.String("data", "", "data folder in the competition layout")
	fs.IntVar(&o.NumClasses, "classes", 0, "number of classes (default: from the annotations: meta/classes.txt, or the largest label + 1)")
	fs.IntVar(&o.MinSide, "min-side", o.MinSide, "drop images whose shorter side is below this many pixels")
	fs.IntVar(&o.MaxPixels, "max-pixels", o.MaxPixels, "refuse images declaring more pixels than this (decompression bombs)")
	fs.BoolVar(&o.Outliers, "outliers", false, "also drop out-of-distribution images (off by default: the champion found no gain)")
	fs.Float64Var(&o.OutlierZ, "outlier-z", o.OutlierZ, "robust z-score above which --outliers drops an image")
	fs.IntVar(&o.Workers, "workers", 0, "scan goroutines (default: one per CPU)")
	return func() error {
		o.Log = stderr
		if err := o.Validate(); err != nil {
			return err
		}
		s, err := clean.Run(*data, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d files under train/, %d annotation lines: %d kept, %d dropped\n", s.Files, s.Lines, s.Kept, len(s.Rows)-s.Kept)
		reasons := make([]string, 0, len(s.Reasons))
		for r := range s.Reasons {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			fmt.Fprintf(stdout, "  %-28s %d\n", r, s.Reasons[r])
		}
		fmt.Fprintf(stdout, "wrote %s/meta/manifest.parquet and %s/meta/train_clean.txt\n", *data, *data)
		return nil
	}
}
