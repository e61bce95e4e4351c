package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/ensemble"
	"github.com/fgia/fgia/fgia/score"
)

func ensembleCmd(fs *flag.FlagSet) func() error {
	preds := fs.String("pred", "", "prediction files of the members, comma-separated (or a glob); aligned by image name")
	accs := fs.String("acc", "", "the members' accuracies, comma-separated (e.g. leaderboard scores), for w_i = (acc_i / min acc)^power")
	labels := fs.String("labels", "", "score each member against these labels (name label per line) for the weights, instead of --acc")
	power := fs.Float64("power", ensemble.DefaultPower, "exponent of the accuracy ratio (0: unweighted)")
	out := fs.String("out", "", "ensemble prediction Parquet file (logits = log of the mean probabilities)")
	return func() error {
		if err := required("pred", *preds, "out", *out); err != nil {
			return err
		}
		files, err := listFlag(*preds)
		if err != nil {
			return err
		}
		var acc []float64
		switch {
		case *accs != "" && *labels != "":
			return fmt.Errorf("give --acc or --labels, not both")
		case *accs != "":
			for _, a := range strings.Split(*accs, ",") {
				v, err := strconv.ParseFloat(strings.TrimSpace(a), 64)
				if err != nil {
					return fmt.Errorf("--acc %q: %w", a, err)
				}
				acc = append(acc, v)
			}
			if len(acc) != len(files) {
				return fmt.Errorf("--acc has %d values for %d files", len(acc), len(files))
			}
		case *labels != "":
			l, err := score.ReadLabels(*labels)
			if err != nil {
				return err
			}
			for _, f := range files {
				a, err := ensemble.Accuracy(f, l)
				if err != nil {
					return err
				}
				acc = append(acc, a)
			}
		}
		var w []float64 // unweighted
		if acc != nil && *power != 0 {
			if w, err = ensemble.Weights(acc, *power); err != nil {
				return err
			}
		}
		for i, f := range files {
			line := "  " + f
			if acc != nil {
				line += fmt.Sprintf("  acc %.4f", acc[i])
			}
			if w != nil {
				line += fmt.Sprintf("  weight %.4g", w[i])
			}
			fmt.Println(line)
		}
		m, err := ensemble.Combine(files, w)
		if err != nil {
			return err
		}
		if err := m.Write(*out, nil); err != nil {
			return err
		}
		fmt.Printf("wrote the ensemble of %d files (%d images) to %s\n", len(files), len(m.Images), *out)
		return nil
	}
}
