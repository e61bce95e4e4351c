package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/report"
)

func statsCmd(fs *flag.FlagSet) func() error {
	data := fs.String("data", "", "cleaned data folder (reads meta/manifest.parquet)")
	labels := fs.String("labels", "", "optional hidden-labels folder of a demo set: compares cleaning with the injected noise")
	out := fs.String("out", "", "report folder: data_report.md, class_frequency.png and .svg, class_counts.parquet")
	return func() error {
		if err := required("data", *data, "out", *out); err != nil {
			return err
		}
		d, err := report.BuildData(*data, *labels)
		if err != nil {
			return err
		}
		if err := d.Write(*out); err != nil {
			return err
		}
		fmt.Print(d.Markdown())
		fmt.Printf("\nwrote %s/data_report.md, %s.png and .svg, class_counts.parquet\n", *out, report.FrequencyPlotFile)
		return nil
	}
}
