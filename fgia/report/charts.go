package report

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/fgia/fgia/fgia/plotpng"
)

// Series is one named line of a chart.
type Series struct {
	Name string
	X, Y []float64
}

// palette colours the series in order.
var palette = []color.Color{blue, orange, color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255},
	color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255}}

// LinesPNG draws series as lines with points, with a legend.
func LinesPNG(title, xLabel, yLabel string, series []Series) ([]byte, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, xLabel, yLabel
	p.Add(plotter.NewGrid())
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("report: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		if len(s.X) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xy[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, err
		}
		c := palette[i%len(palette)]
		l.Color, pts.Color, l.Width = c, c, vg.Points(1.5)
		p.Add(l, pts)
		p.Legend.Add(s.Name, l, pts)
	}
	p.Legend.Top = true
	return plotpng.Render(p, 7*vg.Inch, 4*vg.Inch, plotpng.DPI)
}

// BarsPNG draws one bar per label.
func BarsPNG(title, yLabel string, labels []string, values []float64) ([]byte, error) {
	if len(labels) != len(values) || len(values) == 0 {
		return nil, fmt.Errorf("report: %d labels for %d values", len(labels), len(values))
	}
	p := plot.New()
	p.Title.Text, p.Y.Label.Text = title, yLabel
	p.Add(plotter.NewGrid())
	bars, err := plotter.NewBarChart(plotter.Values(values), vg.Points(18))
	if err != nil {
		return nil, err
	}
	bars.Color, bars.LineStyle.Width = blue, 0
	p.Add(bars)
	p.NominalX(labels...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = -0.9, -0.2
	return plotpng.Render(p, 8*vg.Inch, 4*vg.Inch, plotpng.DPI)
}
