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

func pseudoCmd(fs *flag.FlagSet) func() error {
	preds := fs.String("pred", "", "teacher prediction files (e.g. an ensemble), comma-separated, one per split")
	splits := fs.String("split", "", "the splits of --pred, comma-separated (default: what each file says it predicts)")
	data := fs.String("data", "", "data folder (the pseudo-labelled images must be files of DATA/<split>)")
	threshold := fs.Float64("threshold", 0.5, "keep images whose teacher probability is above this")
	base := fs.String("base", "", "annotation list to extend (default DATA/meta/train_clean.txt)")
	labels := fs.String("labels", "", "hidden labels, one file per --pred (comma-separated): report the pseudo-labels' accuracy")
	out := fs.String("out", "", "new annotation list: the base lines plus '<split>/<image> <label>' lines")
	return func() error {
		if err := required("pred", *preds, "data", *data, "out", *out); err != nil {
			return err
		}
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
		var lab []string
		if *labels != "" {
			if lab = strings.Split(*labels, ","); len(lab) != len(files) {
				return fmt.Errorf("%d label files for %d prediction files", len(lab), len(files))
			}
		}
		for i, f := range files {
			var l map[string]int
			if lab != nil {
				if l, err = score.ReadLabels(lab[i]); err != nil {
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
			fmt.Println(line)
		}
		if *base == "" {
			*base = filepath.Join(*data, filepath.FromSlash(dataset.CleanList))
		}
		st, err := pseudo.Write(*out, *base, *data, sp, files, *threshold)
		if err != nil {
			return err
		}
		fmt.Printf("wrote %s: %d base lines + %d pseudo-labels (%d earlier pseudo-labels of these splits dropped)\n", *out, st.Base, st.Pseudo, st.Replaced)
		return nil
	}
}
