package reproduce

import (
	"path/filepath"
	"slices"

	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/redistribute"
	"github.com/fgia/fgia/fgia/report"
	"github.com/fgia/fgia/fgia/score"
	"github.com/fgia/fgia/fgia/table"
)

// Plots under OUT/plots, each written as NAME.png and NAME.svg.
const (
	PlotDistribution = "class_distribution_testb"
	PlotAccuracy     = "accuracy_vs_frequency_testb"
	PlotKSweep       = "k_sweep"
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
	dir := filepath.Join(p.Out, PlotsDir)
	names := report.ClassNames(p.Data, p.classes)
	order := byFrequency(p.counts)
	xs := make([]float64, p.classes)
	byRank := make([]string, p.classes)
	for i, c := range order {
		xs[i], byRank[i] = float64(i), names[c]
	}
	var series []plotpng.Series
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
		series = append(series, plotpng.Series{Name: c.name, X: xs, Y: ys})
	}
	u := float64(len(p.labels["testb"])) / float64(p.classes)
	series = append(series, plotpng.Series{Name: "uniform target", X: []float64{0, float64(p.classes - 1)}, Y: []float64{u, u}, Dashed: true})
	fig, err := report.Lines("Test-B predicted images per class",
		plotpng.Axis{Label: "class, by training frequency (most frequent first)", Format: plotpng.Count, Names: byRank},
		plotpng.Axis{Label: "predicted images", Format: plotpng.Count}, series)
	if err := save(fig, err, dir, PlotDistribution); err != nil {
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
	fig, err = report.AccuracyVsFrequency("Test-B per-class accuracy, final submission", names, p.counts, res.PerClass)
	if err := save(fig, err, dir, PlotAccuracy); err != nil {
		return err
	}

	sweep, err := table.Read[SweepRow](filepath.Join(p.Out, KSweepTable))
	if err != nil {
		return err
	}
	var splits []report.KSweepSplit
	for _, sp := range Splits {
		// post.go re-distributes with K = N/C - 1.
		split := report.KSweepSplit{Name: sp, PerClass: float64(len(p.labels[sp])) / float64(p.classes), Chosen: len(p.labels[sp])/p.classes - 1}
		for _, method := range []string{"exclusive", "champion"} {
			m := report.KSweepMethod{Name: method}
			for _, r := range sweep {
				if r.Split == sp && r.Method == method {
					m.Points = append(m.Points, r.SweepPoint)
				}
			}
			split.Methods = append(split.Methods, m)
		}
		splits = append(splits, split)
	}
	fig, err = report.KSweep("One-pass re-distribution: classes predicted fewer than K times are topped up to K", splits)
	return save(fig, err, dir, PlotKSweep)
}

// save writes a chart as dir/base.png and .svg, or returns the error that
// kept it from being built.
func save(fig *plotpng.Figure, err error, dir, base string) error {
	if err != nil {
		return err
	}
	return fig.Save(dir, base)
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
