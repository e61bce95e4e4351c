package report

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/train"
)

// LearningCurves plots a run's training loss and batch accuracy against the
// step, side by side (the loss alone for a pretraining run, which has no
// labels).
func LearningCurves(recs []train.Record) (*plotpng.Figure, error) {
	if len(recs) == 0 {
		return nil, fmt.Errorf("report: no metrics to plot")
	}
	steps, loss, accuracy := make([]float64, len(recs)), make([]float64, len(recs)), make([]float64, len(recs))
	for i, r := range recs {
		steps[i], loss[i], accuracy[i] = float64(r.Step), r.Loss, r.Accuracy
	}
	step := plotpng.Axis{Label: "step", Format: plotpng.Count}
	panels := []struct {
		title string
		y     plotpng.Axis
		ys    []float64
	}{
		{"training loss", plotpng.Axis{Label: "loss"}, loss},
		{"training batch accuracy", plotpng.Axis{Label: "top-1", Format: plotpng.Percent, Min: 0, Max: 1}, accuracy},
	}
	if !slices.ContainsFunc(recs, func(r train.Record) bool { return r.Accuracy != 0 }) {
		panels = panels[:1]
	}
	f := &plotpng.Figure{Width: vg.Length(len(panels)) * 4.5 * vg.Inch, Height: 3.4 * vg.Inch}
	for _, p := range panels {
		lines, _, err := plotpng.Lines([]plotpng.Series{{Name: p.title, X: steps, Y: p.ys}})
		if err != nil {
			return nil, err
		}
		f.Panels = append(f.Panels, plotpng.Panel{Title: p.title, X: step, Y: p.y, Plotters: lines})
	}
	return f, nil
}

// AccuracyVsFrequency plots each class's test accuracy against its number of
// training images (log scale): on a long tail, rare classes fall behind.
// With at most plotpng.MaxNames classes each point carries its class name.
func AccuracyVsFrequency(title string, names []string, counts []int, accuracy []float64) (*plotpng.Figure, error) {
	if len(counts) != len(accuracy) || len(counts) == 0 {
		return nil, fmt.Errorf("report: %q: %d counts for %d accuracies", title, len(counts), len(accuracy))
	}
	if names != nil && len(names) != len(counts) {
		return nil, fmt.Errorf("report: %q: %d names for %d classes", title, len(names), len(counts))
	}
	xy := make(plotter.XYs, len(counts))
	for i := range counts {
		xy[i] = plotter.XY{X: math.Max(float64(counts[i]), 1), Y: accuracy[i]}
	}
	s, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, err
	}
	s.GlyphStyle = plotpng.Glyph(0)
	s.GlyphStyle.Radius = vg.Points(3)
	plotters := []plot.Plotter{s}
	if len(names) > 0 && len(names) <= plotpng.MaxNames {
		plotters = append(plotters, pointNames(xy, names)...)
	}
	return &plotpng.Figure{Width: 7 * vg.Inch, Height: 4 * vg.Inch, Panels: []plotpng.Panel{{
		Title:    title,
		X:        plotpng.Axis{Label: "training images of the class", Format: plotpng.Count, Log: true},
		Y:        plotpng.Axis{Label: "test top-1", Format: plotpng.Percent, Min: 0, Max: 1},
		Plotters: plotters,
	}}}, nil
}

// pointNames writes each point's name beside it: right of the points in the
// left half of the x range (log scale), left of those in the right half, so
// that no name runs off the panel.
func pointNames(xy plotter.XYs, names []string) []plot.Plotter {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range xy {
		lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
	}
	mid := math.Sqrt(lo * hi)
	var out []plot.Plotter
	for _, right := range []bool{true, false} {
		var side plotter.XYLabels
		for i, p := range xy {
			if (p.X <= mid) == right {
				side.XYs, side.Labels = append(side.XYs, p), append(side.Labels, names[i])
			}
		}
		if len(side.XYs) == 0 {
			continue
		}
		l, err := plotter.NewLabels(side)
		if err != nil {
			continue // cannot happen: one label per point
		}
		l.Offset = vg.Point{X: vg.Points(5)}
		align := draw.XLeft
		if !right {
			l.Offset.X, align = -l.Offset.X, draw.XRight
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(8)
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = align, draw.YCenter
		}
		out = append(out, l)
	}
	return out
}
