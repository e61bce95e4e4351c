package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fgia/fgia/fgia/plotpng"
)

// Estimate is a value with its interval, for interval charts.
type Estimate struct {
	Label            string
	Value, Low, High float64
	// Marked draws the point filled (e.g. a delta whose interval excludes
	// 0); others are drawn hollow.
	Marked bool
}

// Intervals draws one row per estimate, top to bottom in order: a line
// from Low to High with a point at Value (a forest plot), and a dashed
// reference line at ref unless it is NaN.
func Intervals(title string, x plotpng.Axis, est []Estimate, ref float64) (*plotpng.Figure, error) {
	if len(est) == 0 {
		return nil, fmt.Errorf("report: %q: no estimates", title)
	}
	n := len(est)
	names := make([]string, n)
	var plotters []plot.Plotter
	for i, e := range est {
		y := float64(n - 1 - i) // the first estimate at the top
		names[n-1-i] = e.Label
		if !math.IsNaN(e.Low) && !math.IsNaN(e.High) {
			l, err := plotter.NewLine(plotter.XYs{{X: e.Low, Y: y}, {X: e.High, Y: y}})
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = plotpng.Colour(0), vg.Points(1.5)
			plotters = append(plotters, l)
		}
		s, err := plotter.NewScatter(plotter.XYs{{X: e.Value, Y: y}})
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: plotpng.Colour(0), Radius: vg.Points(3), Shape: draw.RingGlyph{}}
		if e.Marked {
			s.GlyphStyle.Shape = draw.CircleGlyph{}
		}
		plotters = append(plotters, s)
	}
	if !math.IsNaN(ref) {
		l, err := plotter.NewLine(plotter.XYs{{X: ref, Y: -0.5}, {X: ref, Y: float64(n) - 0.5}})
		if err != nil {
			return nil, err
		}
		l.Color, l.Dashes = color.Gray{Y: 110}, []vg.Length{vg.Points(4), vg.Points(3)}
		plotters = append(plotters, l)
	}
	return &plotpng.Figure{Width: 7 * vg.Inch, Height: vg.Length(n)*vg.Points(18) + 1.2*vg.Inch, Panels: []plotpng.Panel{{
		Title: title, X: x, Y: plotpng.Axis{Ticks: plotpng.NamedTicks(names), Min: -0.7, Max: float64(n) - 0.3, Tight: true},
		Plotters: plotters}}}, nil
}
