package reproduce

import (
	"fmt"
	"strings"
)

// Row is one line of the ablation table.
type Row struct {
	Step      string  `parquet:"step"`      // what this row adds, e.g. "arcface"
	Model     string  `parquet:"model"`     // its prediction files: preds/<model>_<split>.parquet
	TestA     float64 `parquet:"testa_acc"` // top-1 on Test-A
	TestB     float64 `parquet:"testb_acc"` // top-1 on Test-B
	Delta     float64 `parquet:"delta"`     // TestB minus Base's TestB
	DeltaA    float64 `parquet:"delta_testa"`
	Base      string  `parquet:"base"` // the row this one adds to ("" for the first)
	MeanClass float64 `parquet:"testb_mean_class_acc"`
	Head      float64 `parquet:"testb_head_acc"` // by training frequency (rank thirds)
	Medium    float64 `parquet:"testb_medium_acc"`
	Tail      float64 `parquet:"testb_tail_acc"`
	Seconds   float64 `parquet:"seconds"` // training time this row added (pretraining included)
	Note      string  `parquet:"note"`
}

// markdown renders the table.
func markdown(rows []Row, title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	b.WriteString("| step | model | Test-A | Test-B | Δ Test-B | vs | mean/class B | head B | medium B | tail B | train s | note |\n")
	b.WriteString("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rows {
		delta := ""
		if r.Base != "" {
			delta = fmt.Sprintf("%+.2f", 100*r.Delta)
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f | %.2f | %s | %s | %.2f | %.2f | %.2f | %.2f | %.0f | %s |\n",
			r.Step, r.Model, 100*r.TestA, 100*r.TestB, delta, r.Base, 100*r.MeanClass,
			100*r.Head, 100*r.Medium, 100*r.Tail, r.Seconds, r.Note)
	}
	return b.String()
}
