package longtail

import (
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fgia/fgia/fgia/plotpng"
)

// Series is one named class-count vector to draw.
type Series struct {
	Name   string
	Counts []int
}

// FrequencyPlotPNG draws each series as class counts sorted from the most to
// the least frequent class (the long-tail curve), on a log scale when the
// counts span more than a factor of 10, and returns the PNG bytes.
func FrequencyPlotPNG(title string, series ...Series) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "class rank (most frequent first)"
	p.Y.Label.Text = "images"
	p.Legend.Top = true
	lo, hi := 0, 0
	colors := []color.Color{
		color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255},
		color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255},
	}
	for k, s := range series {
		sorted := append([]int(nil), s.Counts...)
		sort.Sort(sort.Reverse(sort.IntSlice(sorted)))
		xy := make(plotter.XYs, len(sorted))
		for i, c := range sorted {
			xy[i].X, xy[i].Y = float64(i+1), float64(max(c, 1))
			if c > 0 && (lo == 0 || c < lo) {
				lo = c
			}
			hi = max(hi, c)
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			return nil, err
		}
		col := colors[k%len(colors)]
		line.Color, points.Color = col, col
		points.Shape = draw.CircleGlyph{}
		points.Radius = vg.Points(2)
		p.Add(line, points)
		p.Legend.Add(s.Name, line, points)
	}
	if lo > 0 && hi > 10*lo {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	p.Add(plotter.NewGrid())
	return plotpng.Render(p, 6*vg.Inch, 3.5*vg.Inch, plotpng.DPI)
}

// logTicks labels 1, 2 and 5 of every decade: a class-count axis rarely spans
// enough decades for powers of ten alone to be readable.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'f', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
