package reproduce

import (
	"path/filepath"
	"slices"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/redistribute"
	"github.com/fgia/fgia/fgia/report"
	"github.com/fgia/fgia/fgia/score"
	"github.com/fgia/fgia/fgia/table"
)

// Plot files under OUT/plots.
const (
	PlotDistribution = "class_distribution_testb.png"
	PlotAccuracy     = "accuracy_vs_frequency_testb.png"
	PlotKSweep       = "k_sweep.png"
	KSweepTable      = "k_sweep.parquet"
)

// SweepRow is one point of the K sweep.
type SweepRow struct {
	Split  string `parquet:"split"`
	Method string `parquet:"method"` // "exclusive" (fgia's one pass) or "champion" (their script's)
	redistribute.SweepPoint
}

// sweepK scores the one-pass re-distribution for K around N/C on both
// splits, as the champion swept K on the leaderboard.
func (p *pipeline) sweepK(adj predictions) error {
	out := filepath.Join(p.Out, KSweepTable)
	if exists(out) {
		return nil
	}
	var rows []SweepRow
	for _, s := range Splits {
		m, err := probabilities(adj[s])
		if err != nil {
			return err
		}
		per := len(m.Images) / m.Classes
		ks := []int{0}
		for k := max(per-4, 1); k <= per+1; k++ {
			ks = append(ks, k)
		}
		truth := redistribute.Truth(m.Images, p.labels[s])
		for _, champion := range []bool{false, true} {
			pts, err := redistribute.SweepK(m, truth, ks, champion)
			if err != nil {
				return err
			}
			method := map[bool]string{false: "exclusive", true: "champion"}[champion]
			for _, pt := range pts {
				rows = append(rows, SweepRow{Split: s, Method: method, SweepPoint: pt})
			}
		}
	}
	return table.Write(out, rows)
}

// plots draws the class distribution before and after re-distribution,
// per-class accuracy against training frequency, and the K sweep.
func (p *pipeline) plots(adj predictions, redistributed map[string]predictions, final predictions) error {
	// Predicted class counts on Test-B against the uniform target.
	order := byFrequency(p.counts)
	xs := make([]float64, p.classes)
	for i := range xs {
		xs[i] = float64(i)
	}
	var series []report.Series
	for _, c := range []struct {
		name string
		f    string
	}{{"before (adjust)", adj["testb"]}, {"one pass (champion)", redistributed["redistribute"]["testb"]},
		{"one pass (exclusive)", redistributed["redistribute_exclusive"]["testb"]}, {"Sinkhorn", redistributed["redistribute_sinkhorn"]["testb"]}} {
		rows, _, err := predict.Read(c.f)
		if err != nil {
			return err
		}
		counts := make([]float64, p.classes)
		for _, r := range rows {
			counts[r.Pred]++
		}
		ys := make([]float64, p.classes)
		for i, c := range order {
			ys[i] = counts[c]
		}
		series = append(series, report.Series{Name: c.name, X: xs, Y: ys})
	}
	u := float64(len(p.labels["testb"])) / float64(p.classes)
	series = append(series, report.Series{Name: "uniform target", X: []float64{0, float64(p.classes - 1)}, Y: []float64{u, u}})
	if err := writePNG(filepath.Join(p.Out, PlotsDir, PlotDistribution), func() ([]byte, error) {
		return report.LinesPNG("Test-B predicted images per class", "class, by training frequency (most frequent first)", "predicted images", series)
	}); err != nil {
		return err
	}

	rows, _, err := predict.Read(final["testb"])
	if err != nil {
		return err
	}
	res, err := score.Score(rows, p.labels["testb"], p.counts)
	if err != nil {
		return err
	}
	if err := writePNG(filepath.Join(p.Out, PlotsDir, PlotAccuracy), func() ([]byte, error) {
		return report.AccuracyVsFrequencyPNG("Test-B per-class accuracy, final submission", p.counts, res.PerClass)
	}); err != nil {
		return err
	}

	sweep, err := table.Read[SweepRow](filepath.Join(p.Out, KSweepTable))
	if err != nil {
		return err
	}
	series = nil
	for _, sp := range Splits {
		per := len(p.labels[sp]) / p.classes // K is drawn relative to N/C, so the splits share the axis
		for _, method := range []string{"exclusive", "champion"} {
			var xs, ys []float64
			for _, r := range sweep {
				if r.Split == sp && r.Method == method && r.K > 0 {
					xs, ys = append(xs, float64(r.K-per)), append(ys, 100*r.Top1)
				}
			}
			series = append(series, report.Series{Name: sp + ", " + method, X: xs, Y: ys})
		}
	}
	return writePNG(filepath.Join(p.Out, PlotsDir, PlotKSweep), func() ([]byte, error) {
		return report.LinesPNG("One-pass re-distribution: K sweep", "K - N/C (classes predicted fewer than K times are topped up to K)", "top-1 (%)", series)
	})
}

// writePNG renders a chart into path.
func writePNG(path string, render func() ([]byte, error)) error {
	png, err := render()
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, png)
}

// byFrequency lists the classes from the most to the least frequent.
func byFrequency(counts []int) []int {
	order := make([]int, len(counts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return counts[b] - counts[a] })
	return order
}
