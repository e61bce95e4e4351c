package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/submit"
)

func submitCmd(fs *flag.FlagSet) func() error {
	pred := fs.String("pred", "", "final prediction Parquet file")
	out := fs.String("out", "", "submission CSV, by convention submission_<split>.csv")
	data := fs.String("data", "", "data folder: check that every image of --split has exactly one row")
	split := fs.String("split", "testb", "with --data: the split the submission is for")
	format := fs.String("label-format", "%d", "how labels are written (%04d: zero-padded class folder names)")
	return func() error {
		if err := required("pred", *pred, "out", *out); err != nil {
			return err
		}
		o := submit.Options{LabelFormat: *format}
		if *data != "" {
			o.Data, o.Split = *data, *split
		}
		n, err := submit.WriteWith(*pred, *out, o)
		if err != nil {
			return err
		}
		fmt.Printf("wrote %d rows to %s\n", n, *out)
		return nil
	}
}
