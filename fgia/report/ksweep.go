package report

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/redistribute"
)

// KSweepSplit is the K sweep of the one-pass re-distribution on one split:
// top-1 against K for each method. Each split is a panel of its own, since
// N/C, and with it the useful K, differ between splits.
type KSweepSplit struct {
	Name     string  // the split ("testb"), the panel's title
	PerClass float64 // N/C: the split's images per class
	Chosen   int     // the K the pipeline uses, marked by a line; 0 marks none
	Methods  []KSweepMethod
}

// KSweepMethod is one method's sweep; the methods take the same colour in
// every panel.
type KSweepMethod struct {
	Name   string
	Points []redistribute.SweepPoint // K = 0 (the plain argmax) is not drawn
}

// KSweep draws top-1 against K, one panel per split, each tick labelled
// with K and, below it, K as a fraction of N/C; the chosen K is a dashed
// line with its value written above the curves.
func KSweep(title string, splits []KSweepSplit) (*plotpng.Figure, error) {
	if len(splits) == 0 {
		return nil, fmt.Errorf("report: %q: no split to draw", title)
	}
	f := &plotpng.Figure{Title: title, Width: 3.6*vg.Inch*vg.Length(len(splits)) + 1.6*vg.Inch, Height: 4 * vg.Inch}
	for _, s := range splits {
		if !(s.PerClass > 0) {
			return nil, fmt.Errorf("report: %q: split %q has N/C %v", title, s.Name, s.PerClass)
		}
		var series []plotpng.Series
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, m := range s.Methods {
			line := plotpng.Series{Name: m.Name}
			for _, p := range m.Points {
				if p.K > 0 {
					line.X, line.Y = append(line.X, float64(p.K)), append(line.Y, p.Top1)
					lo, hi = math.Min(lo, p.Top1), math.Max(hi, p.Top1)
				}
			}
			series = append(series, line)
		}
		plotters, legend, err := plotpng.Lines(series)
		if err != nil {
			return nil, fmt.Errorf("report: %q: %w", title, err)
		}
		if math.IsInf(lo, 0) {
			return nil, fmt.Errorf("report: %q: split %q has no point with K > 0", title, s.Name)
		}
		if s.Chosen > 0 {
			plotters = append(plotters, &kMark{K: float64(s.Chosen),
				Label: fmt.Sprintf("K = %d (%s N/C)", s.Chosen, strconv.FormatFloat(float64(s.Chosen)/s.PerClass, 'f', 3, 64))})
		}
		f.Legend = legend // the same methods in every panel
		span := math.Max(hi-lo, 0.002)
		f.Panels = append(f.Panels, plotpng.Panel{
			Title:    fmt.Sprintf("%s (N/C = %s)", s.Name, strconv.FormatFloat(math.Round(10*s.PerClass)/10, 'f', -1, 64)),
			X:        plotpng.Axis{Label: "K (below: K / (N/C))", Ticks: kTicks{perClass: s.PerClass}},
			Y:        plotpng.Axis{Label: "top-1", Format: plotpng.Percent, Min: lo - 0.06*span, Max: hi + 0.3*span, Tight: true},
			Plotters: plotters,
		})
	}
	return f, nil
}

// kTicks labels whole K values with K and, on a second line, K / (N/C),
// with enough decimals to tell neighbouring ticks apart.
type kTicks struct{ perClass float64 }

func (t kTicks) Ticks(lo, hi float64) []plot.Tick {
	step := math.Max(1, math.Round(plotpng.LinearTicks{}.Step(lo, hi)))
	var ticks []plot.Tick
	for k := math.Ceil(lo/step) * step; k <= hi; k += step {
		ticks = append(ticks, plot.Tick{Value: k,
			Label: plotpng.Count.Label(k, 1) + "\n" + plotpng.Number.Label(k/t.perClass, step/t.perClass)})
	}
	return ticks
}

// kMark is a vertical dashed line at K across the panel, labelled in the
// headroom the y range leaves above the curves.
type kMark struct {
	K     float64
	Label string
}

func (m *kMark) Plot(c draw.Canvas, p *plot.Plot) {
	x, _ := p.Transforms(&c)
	at := x(m.K)
	c.StrokeLine2(draw.LineStyle{Color: plotpng.Reference, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}},
		at, c.Min.Y, at, c.Max.Y)
	sty := p.X.Tick.Label
	sty.Font.Size, sty.Rotation = vg.Points(9), 0
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YTop
	pos := vg.Point{X: at + vg.Points(3), Y: c.Max.Y - vg.Points(3)}
	if at > c.Center().X { // write towards the panel's middle, never off it
		sty.XAlign, pos.X = draw.XRight, at-vg.Points(3)
	}
	c.FillText(sty, pos, m.Label)
}

// DataRange keeps the chosen K in view; it adds nothing to the y range.
func (m *kMark) DataRange() (xmin, xmax, ymin, ymax float64) {
	return m.K, m.K, math.Inf(1), math.Inf(-1)
}
