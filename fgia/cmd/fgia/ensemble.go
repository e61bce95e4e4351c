package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/ensemble"
	"github.com/fgia/fgia/fgia/score"
)

func init() {
	register(command{name: "ensemble", group: "after training",
		summary: "weighted mean of several models' softmax, aligned by image name",
		doc: `Combines prediction files of one split: P = sum_i w_i p_i / sum_i w_i with the champion's weights
w_i = (acc_i / min_j acc_j)^power (power 25), the accuracies given (--acc) or scored against --labels
on --score-pred, the members' files of the split used for choices (Test-A), so that the weights of a
Test-B ensemble never look at Test-B.`,
		usage:    "--pred FILE,FILE... --out FILE [--acc A,A... | --labels FILE [--score-pred FILE,FILE...]] [flags]",
		required: []string{"pred", "out"},
		examples: []string{"fgia ensemble --pred a_testb.parquet,b_testb.parquet --score-pred a_testa.parquet,b_testa.parquet --labels labels/testa.txt --out ens_testb.parquet"},
		setup:    ensembleCmd})
}

func ensembleCmd(fs *flag.FlagSet) func() error {
	preds := fs.String("pred", "", "prediction files of the members, comma-separated (or a glob); aligned by image name")
	accs := fs.String("acc", "", "the members' accuracies, comma-separated (e.g. leaderboard scores), for w_i = (acc_i / min acc)^power")
	labels := fs.String("labels", "", "labels file (name label per line): score each member for the weights, instead of --acc")
	scorePreds := fs.String("score-pred", "", "with --labels: the members' prediction files to score (default --pred), e.g. their Test-A files for a Test-B ensemble")
	power := fs.Float64("power", ensemble.DefaultPower, "exponent of the accuracy ratio (0: unweighted)")
	out := fs.String("out", "", "ensemble prediction Parquet file (logits = log of the mean probabilities)")
	return func() error {
		files, err := listFlag(*preds)
		if err != nil {
			return err
		}
		var acc []float64
		switch {
		case *accs != "" && *labels != "":
			return fmt.Errorf("give --acc or --labels, not both")
		case *scorePreds != "" && *labels == "":
			return fmt.Errorf("--score-pred needs --labels")
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
			scored := files
			if *scorePreds != "" {
				if scored, err = listFlag(*scorePreds); err != nil {
					return err
				}
				if len(scored) != len(files) {
					return fmt.Errorf("--score-pred has %d files for %d --pred files", len(scored), len(files))
				}
			}
			for _, f := range scored {
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
			fmt.Fprintln(stdout, line)
		}
		m, err := ensemble.Combine(files, w)
		if err != nil {
			return err
		}
		if err := m.Write(*out, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote the ensemble of %d files (%d images) to %s\n", len(files), len(m.Images), *out)
		return nil
	}
}
