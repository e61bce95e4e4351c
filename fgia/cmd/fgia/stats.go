package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/report"
)

func init() {
	register(command{name: "stats", group: "data",
		summary:  "long-tail statistics, cleaning report and class-frequency plot",
		usage:    "--data DIR --out DIR [--labels-dir DIR]",
		required: []string{"data", "out"},
		examples: []string{"fgia stats --data data/webfashion --labels-dir data/webfashion-labels --out reports/data"},
		setup:    statsCmd})
}

func statsCmd(fs *flag.FlagSet) func() error {
	data := fs.String("data", "", "cleaned data folder (reads meta/manifest.parquet)")
	labels := fs.String("labels-dir", "", "optional hidden-labels folder of a demo set: compares cleaning with the injected noise")
	fs.StringVar(labels, "labels", "", "same as --labels-dir (a folder)")
	out := fs.String("out", "", "report folder: data_report.md, class_frequency.png and .svg, class_counts.parquet")
	return func() error {
		d, err := report.BuildData(*data, *labels)
		if err != nil {
			return err
		}
		if err := d.Write(*out); err != nil {
			return err
		}
		fmt.Fprint(stdout, d.Markdown())
		fmt.Fprintf(stdout, "\nwrote %s/data_report.md, %s.png and .svg, class_counts.parquet\n", *out, report.FrequencyPlotFile)
		return nil
	}
}
