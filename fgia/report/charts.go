package report

import (
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fgia/fgia/fgia/plotpng"
)

// Lines draws series as lines (markers on short ones), the legend right of
// the data.
func Lines(title string, x, y plotpng.Axis, series []plotpng.Series) (*plotpng.Figure, error) {
	plotters, legend, err := plotpng.Lines(series)
	if err != nil {
		return nil, fmt.Errorf("report: %q: %w", title, err)
	}
	return &plotpng.Figure{Width: 7 * vg.Inch, Height: 4 * vg.Inch, Legend: legend,
		Panels: []plotpng.Panel{{Title: title, X: x, Y: y, Plotters: plotters}}}, nil
}

// Bars draws one horizontal bar per label, the first at the top, from zero,
// each with its value written at its end (in x's format, one decimal of a
// percent).
func Bars(title string, x plotpng.Axis, labels []string, values []float64) (*plotpng.Figure, error) {
	if len(labels) != len(values) || len(values) == 0 {
		return nil, fmt.Errorf("report: %q: %d labels for %d values", title, len(labels), len(values))
	}
	n := len(values)
	top := slices.Clone(values) // bar i sits at y = i: the first label goes last
	slices.Reverse(top)
	names := slices.Clone(labels)
	slices.Reverse(names)
	bars, err := plotter.NewBarChart(plotter.Values(top), vg.Points(11))
	if err != nil {
		return nil, fmt.Errorf("report: %q: %w", title, err)
	}
	bars.Horizontal, bars.Color, bars.LineStyle.Width = true, plotpng.Colour(0), 0
	text := make([]string, n)
	xy := make(plotter.XYs, n)
	for i, v := range top {
		text[i], xy[i] = x.Format.Label(v, valueStep[x.Format]), plotter.XY{X: v, Y: float64(i)}
	}
	written, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: text})
	if err != nil {
		return nil, err
	}
	for i := range written.TextStyle {
		written.TextStyle[i].Font.Size = vg.Points(9)
		written.TextStyle[i].YAlign = draw.YCenter
	}
	written.Offset = vg.Point{X: vg.Points(3)}
	x.Min = min(x.Min, 0)
	if x.Min >= x.Max {
		x.Max = slices.Max(values)
	}
	x.Max *= 1.12 // room for the values written at the bars' ends
	return &plotpng.Figure{Width: 7 * vg.Inch, Height: vg.Length(n)*vg.Points(16) + 1.2*vg.Inch, Panels: []plotpng.Panel{{
		Title: title, X: x, Y: plotpng.Axis{Ticks: plotpng.NamedTicks(names), Min: -0.7, Max: float64(n) - 0.3, Tight: true},
		Plotters: []plot.Plotter{bars, written}}}}, nil
}

// valueStep is the precision of a value written beside its mark.
var valueStep = map[plotpng.Format]float64{plotpng.Number: 0.01, plotpng.Count: 1, plotpng.Percent: 0.001}
