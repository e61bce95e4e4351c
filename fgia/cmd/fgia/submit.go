package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/fgia/fgia/fgia/submit"
)

func init() {
	register(command{name: "submit", group: "after training",
		summary: "write submission_<split>.csv (image,label) from a prediction file, checked against the test folder",
		doc: `Writes the competition's CSV from a prediction file's labels. The file must predict every image of
DATA/SPLIT exactly once, with classes the data set has; images the prediction could not read get
the most frequent label and are listed on stderr, so the submission is complete and the problem
visible.`,
		usage:    "--pred FILE --data DIR --split testa|testb --out FILE [--label-format %04d]",
		required: []string{"pred", "data", "split", "out"},
		examples: []string{"fgia submit --pred final_testb.parquet --data data/webfashion --split testb --out submission_testb.csv"},
		setup:    submitCmd})
}

func submitCmd(fs *flag.FlagSet) func() error {
	pred := fs.String("pred", "", "final prediction Parquet file")
	out := fs.String("out", "", "submission CSV, by convention submission_<split>.csv")
	data := fs.String("data", "", "data folder: every image of --split must have exactly one row")
	split := fs.String("split", "", "the split the submission is for: testa or testb")
	format := fs.String("label-format", "%d", "how labels are written: one integer verb (%04d: zero-padded class folder names)")
	return func() error {
		res, err := submit.WriteWith(*pred, *out, submit.Options{LabelFormat: *format, Data: *data, Split: *split})
		if err != nil {
			return err
		}
		if len(res.Filled) > 0 {
			fmt.Fprintf(stderr, "warning: %d images could not be read and were labelled %d, the most frequent label: %s\n",
				len(res.Filled), res.FillLabel, strings.Join(res.Filled[:min(len(res.Filled), 10)], ", "))
		}
		fmt.Fprintf(stdout, "wrote %d rows to %s\n", res.Rows, *out)
		return nil
	}
}
