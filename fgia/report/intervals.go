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
	Label           string
	Value, Low, High float64
	// Marked draws the point filled (e.g. a delta whose interval excludes
	// 0); others are drawn hollow.
	Marked bool
}

// IntervalsPNG draws one horizontal line per estimate from Low to High
// with a point at Value, top to bottom in order (a forest plot), with a
// dashed reference line at ref when it is not NaN.
func IntervalsPNG(title, xLabel string, est []Estimate, ref float64) ([]byte, error) {
	if len(est) == 0 {
		return nil, fmt.Errorf("report: no estimates")
	}
	p := plot.New()
	p.Title.Text, p.X.Label.Text = title, xLabel
	p.Add(plotter.NewGrid())
	labels := make([]string, len(est))
	n := len(est)
	for i, e := range est {
		y := float64(n - 1 - i)
		labels[n-1-i] = e.Label
		if !math.IsNaN(e.Low) && !math.IsNaN(e.High) {
			l, err := plotter.NewLine(plotter.XYs{{X: e.Low, Y: y}, {X: e.High, Y: y}})
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = blue, vg.Points(1.5)
			p.Add(l)
		}
		s, err := plotter.NewScatter(plotter.XYs{{X: e.Value, Y: y}})
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Color, s.GlyphStyle.Radius = blue, vg.Points(3)
		s.GlyphStyle.Shape = draw.RingGlyph{}
		if e.Marked {
			s.GlyphStyle.Shape = draw.CircleGlyph{}
		}
		p.Add(s)
	}
	if !math.IsNaN(ref) {
		l, err := plotter.NewLine(plotter.XYs{{X: ref, Y: -0.5}, {X: ref, Y: float64(n) - 0.5}})
		if err != nil {
			return nil, err
		}
		l.Color, l.Dashes = color.Gray{Y: 100}, []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
	}
	p.NominalY(labels...)
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	return plotpng.Render(p, 7*vg.Inch, vg.Length(1.2+0.28*float64(n))*vg.Inch, plotpng.DPI)
}
