package plotpng

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette is Okabe and Ito's colour-blind-safe set, in an order whose
// neighbours differ most (yellow, weak on white, last).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{0, 0, 0, 255},       // black
	color.RGBA{240, 228, 66, 255},  // yellow
}

// shapes tell the series apart in grey print too.
var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
	draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}, draw.PlusGlyph{}, draw.CrossGlyph{}}

// Reference is the colour of reference lines (a target, a chosen value).
var Reference color.Color = color.Gray{Y: 110}

// Colour is the i-th colour of the kit's palette (cycling).
func Colour(i int) color.Color { return palette[i%len(palette)] }

// Glyph is the i-th series' marker: its colour and a shape of its own.
func Glyph(i int) draw.GlyphStyle {
	return draw.GlyphStyle{Color: Colour(i), Radius: vg.Points(2.5), Shape: shapes[i%len(shapes)]}
}

// maxMarkedPoints is the most points a line marks with glyphs: a
// 5000-class curve is a line.
const maxMarkedPoints = 60

// Series is one named line of a panel.
type Series struct {
	Name string
	X, Y []float64
	// Dashed draws a reference (a target, a baseline) as a grey dashed
	// line without markers; it does not take a palette colour.
	Dashed bool
}

// Lines turns series into plotters and legend entries: palette colours and
// shapes in order, markers on short series, reference lines drawn last, thin
// and dashed, so that a curve lying on its target shows both. A series
// without points is skipped.
func Lines(series []Series) ([]plot.Plotter, []LegendEntry, error) {
	var refs, out []plot.Plotter
	var legend []LegendEntry
	coloured := 0
	for _, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, nil, fmt.Errorf("plotpng: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		if len(s.X) == 0 {
			continue
		}
		xy := make(plotter.XYs, len(s.X))
		for j := range s.X {
			xy[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, nil, fmt.Errorf("plotpng: series %q: %w", s.Name, err)
		}
		line.Width = vg.Points(1.5)
		entry := LegendEntry{Name: s.Name, Thumbs: []plot.Thumbnailer{line}}
		if s.Dashed {
			line.Color, line.Width, line.Dashes = Reference, vg.Points(1.2), []vg.Length{vg.Points(5), vg.Points(3)}
			refs, legend = append(refs, line), append(legend, entry)
			continue
		}
		line.Color = Colour(coloured)
		out = append(out, line)
		if len(xy) <= maxMarkedPoints {
			pts, _ := plotter.NewScatter(xy) // xy was checked by NewLine
			pts.GlyphStyle = Glyph(coloured)
			out, entry.Thumbs = append(out, pts), append(entry.Thumbs, pts)
		}
		legend = append(legend, entry)
		coloured++
	}
	return append(out, refs...), legend, nil
}
