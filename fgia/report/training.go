package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/train"
)

var (
	blue   = color.RGBA{31, 119, 180, 255}
	orange = color.RGBA{255, 127, 14, 255}
)

// LearningCurvesPNG plots a run's training loss and batch accuracy against
// the step, side by side (the loss alone for a pretraining run).
func LearningCurvesPNG(recs []train.Record) ([]byte, error) {
	if len(recs) == 0 {
		return nil, fmt.Errorf("report: no metrics to plot")
	}
	loss, accuracy := make(plotter.XYs, len(recs)), make(plotter.XYs, len(recs))
	for i, r := range recs {
		loss[i] = plotter.XY{X: float64(r.Step), Y: r.Loss}
		accuracy[i] = plotter.XY{X: float64(r.Step), Y: r.Accuracy}
	}
	type panel struct {
		title string
		xy    plotter.XYs
		col   color.Color
	}
	panels := []panel{{"training loss", loss, blue}, {"training batch accuracy", accuracy, orange}}
	if !slices.ContainsFunc(recs, func(r train.Record) bool { return r.Accuracy != 0 }) {
		panels = panels[:1] // pretraining has no labels
	}
	tiles := make([]*plot.Plot, len(panels))
	for i, s := range panels {
		p := plot.New()
		p.Title.Text = s.title
		p.X.Label.Text = "step"
		l, err := plotter.NewLine(s.xy)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = s.col, vg.Points(1.5)
		p.Add(l, plotter.NewGrid())
		tiles[i] = p
	}
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(len(tiles))*4.5*vg.Inch, 3.2*vg.Inch), vgimg.UseDPI(plotpng.DPI))
	dc := draw.New(c)
	t := draw.Tiles{Rows: 1, Cols: len(tiles), PadX: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{tiles}, t, dc)
	for i, p := range tiles {
		p.Draw(canvases[0][i])
	}
	return plotpng.Encode(c)
}

// AccuracyVsFrequencyPNG plots each class's test accuracy against its number
// of training images (log scale): on a long tail, rare classes fall behind.
func AccuracyVsFrequencyPNG(title string, counts []int, accuracy []float64) ([]byte, error) {
	if len(counts) != len(accuracy) || len(counts) == 0 {
		return nil, fmt.Errorf("report: %d counts for %d accuracies", len(counts), len(accuracy))
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "training images of the class"
	p.Y.Label.Text = "test accuracy"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	xy := make(plotter.XYs, len(counts))
	for i := range counts {
		xy[i] = plotter.XY{X: math.Max(float64(counts[i]), 1), Y: accuracy[i]}
	}
	s, err := plotter.NewScatter(xy)
	if err != nil {
		return nil, err
	}
	s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = blue, vg.Points(3), draw.CircleGlyph{}
	p.Add(s, plotter.NewGrid())
	p.Y.Min, p.Y.Max = 0, 1
	return plotpng.Render(p, 6*vg.Inch, 3.5*vg.Inch, plotpng.DPI)
}
