package main

import (
	"flag"
	"fmt"

	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/report"
	"github.com/fgia/fgia/fgia/score"
)

func init() {
	register(command{name: "score", group: "prediction",
		summary: "score a prediction file against labels: top-1/top-5, per class, confusion",
		doc: `Compares a prediction file with a labels file ("name label" lines) and prints top-1, top-5 and
mean per-class accuracy in percent, with head/medium/tail bands when the file carries training
counts. The predictions and the labels must cover the same images (--allow-missing scores the common
ones and says how many are not). With --out it also writes per_class.parquet (class, name, support,
top-1, top-5, precision, recall), confusion.parquet (true, pred, count) and a confusion plot.`,
		usage:    "--pred FILE --labels FILE [--out DIR] [flags]",
		required: []string{"pred", "labels"},
		examples: []string{
			"fgia score --pred runs/vit/pred_testa.parquet --labels data/webfashion-labels/testa.txt --out runs/vit/score_testa",
		},
		setup: scoreCmd})
}

func scoreCmd(fs *flag.FlagSet) func() error {
	pred := fs.String("pred", "", "prediction Parquet file")
	labels := fs.String("labels", "", "labels file (name label per line), e.g. LABELS/testa.txt")
	out := fs.String("out", "", "folder for per_class.parquet, confusion.parquet and the confusion plot")
	data := fs.String("data", "", "data folder whose meta/classes.txt names the classes (optional)")
	allowMissing := fs.Bool("allow-missing", false, "score the images both files have when they differ (instead of failing)")
	return func() error {
		rows, counts, err := predict.Read(*pred)
		if err != nil {
			return err
		}
		l, err := score.ReadLabels(*labels)
		if err != nil {
			return err
		}
		r, err := score.ScoreWith(rows, l, counts, score.Options{AllowMissing: *allowMissing})
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, r.Markdown())
		if len(r.Missing) > 0 || len(r.Unlabelled) > 0 {
			fmt.Fprintf(stderr, "warning: %d labelled images have no prediction, %d predictions have no label (--allow-missing)\n", len(r.Missing), len(r.Unlabelled))
		}
		if *out == "" {
			return nil
		}
		names := classNames(*data, r.Classes)
		if err := r.WriteTables(*out, names); err != nil {
			return err
		}
		if err := writeConfusionPlot(*out, names, r); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s/%s, %s and the confusion plot\n", *out, score.PerClassFile, score.ConfusionFile)
		return nil
	}
}

// writeConfusionPlot draws the row-normalised confusion matrix.
func writeConfusionPlot(dir string, names []string, r *score.Result) error {
	fig, err := report.Confusion("Confusion (rows: true class, normalised)", names, r.Confusion, true)
	if err != nil {
		return err
	}
	return fig.Save(dir, "confusion")
}

// classNames are the data set's class names, or the indices without one.
func classNames(data string, n int) []string {
	if data == "" {
		return dataset.Layout{}.ClassNames(n)
	}
	return dataset.Layout{Root: data}.ClassNames(n)
}
