package reproduce

import (
	"fmt"
	"image/color"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/plotpng"
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

var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255},
	color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255},
}

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
func (p *pipeline) plots(adj, red, sink, final predictions) error {
	// Predicted class counts on Test-B against the uniform target.
	var lines []plotLine
	for _, c := range []struct {
		name string
		f    string
	}{{"before (adjust)", adj["testb"]}, {"one pass", red["testb"]}, {"Sinkhorn", sink["testb"]}} {
		rows, _, err := predict.Read(c.f)
		if err != nil {
			return err
		}
		counts := make([]float64, p.classes)
		for _, r := range rows {
			counts[r.Pred]++
		}
		xy := make(plotter.XYs, p.classes)
		for i, c := range byFrequency(p.counts) {
			xy[i] = plotter.XY{X: float64(i), Y: counts[c]}
		}
		lines = append(lines, plotLine{c.name, xy})
	}
	n := len(p.labels["testb"])
	uniform := plotter.XYs{{X: 0, Y: float64(n) / float64(p.classes)}, {X: float64(p.classes - 1), Y: float64(n) / float64(p.classes)}}
	lines = append(lines, plotLine{"uniform target", uniform})
	if err := writePlot(filepath.Join(p.Out, PlotsDir, PlotDistribution), "Test-B predicted images per class",
		"class, by training frequency (most frequent first)", "predicted images", lines); err != nil {
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
	png, err := report.AccuracyVsFrequencyPNG("Test-B per-class accuracy, final submission", p.counts, res.PerClass)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(p.Out, PlotsDir, PlotAccuracy), png); err != nil {
		return err
	}

	sweep, err := table.Read[SweepRow](filepath.Join(p.Out, KSweepTable))
	if err != nil {
		return err
	}
	lines = nil
	for _, s := range Splits {
		for _, method := range []string{"exclusive", "champion"} {
			var xy plotter.XYs
			for _, r := range sweep {
				if r.Split == s && r.Method == method && r.K > 0 {
					xy = append(xy, plotter.XY{X: float64(r.K), Y: 100 * r.Top1})
				}
			}
			lines = append(lines, plotLine{fmt.Sprintf("%s, %s", s, method), xy})
		}
	}
	return writePlot(filepath.Join(p.Out, PlotsDir, PlotKSweep), "One-pass re-distribution: K sweep",
		"K (classes predicted fewer than K times are topped up to K)", "top-1 (%)", lines)
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

type plotLine struct {
	name string
	xy   plotter.XYs
}

func writePlot(path, title, x, y string, lines []plotLine) error {
	pl := plot.New()
	pl.Title.Text, pl.X.Label.Text, pl.Y.Label.Text = title, x, y
	pl.Add(plotter.NewGrid())
	for i, l := range lines {
		if len(l.xy) == 0 {
			continue
		}
		ln, pts, err := plotter.NewLinePoints(l.xy)
		if err != nil {
			return err
		}
		col := palette[i%len(palette)]
		ln.Color, pts.Color, ln.Width = col, col, vg.Points(1.5)
		pl.Add(ln, pts)
		pl.Legend.Add(l.name, ln, pts)
	}
	pl.Legend.Top = true
	png, err := plotpng.Render(pl, 7*vg.Inch, 4*vg.Inch, plotpng.DPI)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, png)
}
