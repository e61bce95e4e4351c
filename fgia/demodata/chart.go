package demodata

import (
	"fmt"
	"image/color"
	"math/rand/v2"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/fgia/fgia/fgia/plotpng"
)

// drawChart renders a small random bar or line chart: the kind of
// out-of-distribution picture an image search returns for a product name.
func drawChart(rng *rand.Rand) ([]byte, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Sales %d", 2000+rng.IntN(25))
	n := 4 + rng.IntN(6)
	vals := make(plotter.Values, n)
	xy := make(plotter.XYs, n)
	for i := range vals {
		vals[i] = 1 + 9*rng.Float64()
		xy[i].X, xy[i].Y = float64(i), vals[i]
	}
	col := color.RGBA{uint8(rng.IntN(200)), uint8(rng.IntN(200)), uint8(55 + rng.IntN(200)), 255}
	if rng.IntN(2) == 0 {
		bars, err := plotter.NewBarChart(vals, vg.Points(6))
		if err != nil {
			return nil, err
		}
		bars.Color = col
		p.Add(bars)
	} else {
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		line.Color = col
		line.Width = vg.Points(2)
		p.Add(line)
	}
	side := vg.Length(48 + rng.IntN(48)) // 48..95 px at 72 dpi
	return plotpng.Render(p, side, side, 72)
}
