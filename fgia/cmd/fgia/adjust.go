package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/adjust"
	"github.com/fgia/fgia/fgia/train"
)

func adjustCmd(fs *flag.FlagSet) func() error {
	pred := fs.String("pred", "", "prediction Parquet file")
	tau := fs.Float64("tau", adjust.DefaultTau, "strength: z_c - tau * log(prior_c)")
	countsFrom := fs.String("counts-from", "", "take the training class counts from this run (default: the counts stored in --pred)")
	out := fs.String("out", "", "adjusted prediction Parquet file")
	return func() error {
		if err := required("pred", *pred, "out", *out); err != nil {
			return err
		}
		var counts []int
		if *countsFrom != "" {
			ri, err := train.ReadRunInfo(*countsFrom)
			if err != nil {
				return err
			}
			counts = ri.ClassCounts
		}
		st, err := adjust.File(*pred, *out, *tau, counts)
		if err != nil {
			return err
		}
		fmt.Printf("adjusted %d predictions (tau %g), %d changed class, into %s\n", st.Images, *tau, st.Changed, *out)
		return nil
	}
}
