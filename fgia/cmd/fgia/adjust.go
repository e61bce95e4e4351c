package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/adjust"
	"github.com/fgia/fgia/fgia/train"
)

func init() {
	register(command{name: "adjust", group: "after training",
		summary: "post-hoc logit adjustment z - tau log(prior) with the training class counts",
		doc: `Subtracts tau log(prior_c) from every logit (Menon et al.): a model trained with cross-entropy on a
long tail learned the training prior into its logits, and a class-balanced test set wants it gone.
It belongs to cross-entropy models; margin and EQL heads have already changed their prior.`,
		usage:    "--pred FILE --out FILE [--tau T] [flags]",
		required: []string{"pred", "out"},
		examples: []string{"fgia adjust --pred runs/vit/pred_testb.parquet --tau 1 --out adjusted_testb.parquet"},
		setup:    adjustCmd})
}

func adjustCmd(fs *flag.FlagSet) func() error {
	pred := fs.String("pred", "", "prediction Parquet file")
	tau := fs.Float64("tau", adjust.DefaultTau, "strength: z_c - tau * log(prior_c)")
	countsFrom := fs.String("counts-from", "", "take the training class counts from this run (default: the counts stored in --pred)")
	out := fs.String("out", "", "adjusted prediction Parquet file")
	return func() error {
		if *tau <= 0 {
			return fmt.Errorf("--tau %g: want > 0", *tau)
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
		fmt.Fprintf(stdout, "adjusted %d predictions (tau %g), %d changed class, into %s\n", st.Images, *tau, st.Changed, *out)
		return nil
	}
}
