package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/pseudo"
	"github.com/fgia/fgia/fgia/score"
)

func init() {
	register(command{name: "pseudo", group: "after training",
		summary: "pseudo-label confident test images and write train + pseudo annotation list",
		doc: `Keeps the test images whose teacher probability (an ensemble's, usually) is above --threshold and
writes the cleaned list plus '<split>/<image> <label>' lines: the next round trains on it (from the
pretrained weights, as the champion did). --labels-dir reports how many pseudo-labels are right.`,
		usage:    "--pred FILE[,FILE] --data DIR --out FILE [--threshold P] [flags]",
		required: []string{"pred", "data", "out"},
		examples: []string{"fgia pseudo --pred ens_testa.parquet,ens_testb.parquet --data data/webfashion --threshold 0.45 --out lists/round2.txt"},
		setup:    pseudoCmd})
}

func pseudoCmd(fs *flag.FlagSet) func() error {
	preds := fs.String("pred", "", "teacher prediction files (e.g. an ensemble), comma-separated, one per split")
	splits := fs.String("split", "", "the splits of --pred, comma-separated (default: what each file says it predicts)")
	data := fs.String("data", "", "data folder (the pseudo-labelled images must be files of DATA/<split>)")
	threshold := fs.Float64("threshold", 0.5, "keep images whose teacher probability is above this")
	base := fs.String("base", "", "annotation list to extend (default DATA/meta/train_clean.txt)")
	labels := fs.String("labels-dir", "", "hidden labels folder (SPLIT.txt): report the pseudo-labels' accuracy")
	out := fs.String("out", "", "new annotation list: the base lines plus '<split>/<image> <label>' lines")
	return func() error {
		files, err := listFlag(*preds)
		if err != nil {
			return err
		}
		var sp []string
		if *splits != "" {
			sp = strings.Split(*splits, ",")
		} else {
			for _, f := range files {
				info, err := predict.Stat(f)
				if err != nil {
					return err
				}
				s := info.Meta[predict.MetaSplit]
				if s == "" {
					return fmt.Errorf("%s does not say which split it predicts: give --split", f)
				}
				sp = append(sp, s)
			}
		}
		if len(sp) != len(files) {
			return fmt.Errorf("%d splits for %d files", len(sp), len(files))
		}
		if *threshold < 0 || *threshold >= 1 {
			return fmt.Errorf("--threshold %g: want a probability in [0, 1)", *threshold)
		}
		for i, f := range files {
			var l map[string]int
			if *labels != "" {
				if l, err = score.ReadLabels(filepath.Join(*labels, sp[i]+".txt")); err != nil {
					return err
				}
			}
			s, err := pseudo.Select(f, *threshold, l)
			if err != nil {
				return err
			}
			line := fmt.Sprintf("%s: kept %d of %d images above %g", sp[i], s.Kept, s.Images, *threshold)
			if s.Labelled > 0 {
				line += fmt.Sprintf(", %.2f%% of %d labelled ones right", 100*s.Accuracy(), s.Labelled)
			}
			fmt.Fprintln(stdout, line)
		}
		if *base == "" {
			*base = filepath.Join(*data, filepath.FromSlash(dataset.CleanList))
		}
		st, err := pseudo.Write(*out, *base, *data, sp, files, *threshold)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %d base lines + %d pseudo-labels (%d earlier pseudo-labels of these splits dropped)\n", *out, st.Base, st.Pseudo, st.Replaced)
		return nil
	}
}
