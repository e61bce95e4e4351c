package report

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"

	"github.com/fgia/fgia/fgia/plotpng"
)

const (
	// maxCellValues is the most classes whose cells carry their value: at
	// 11 the cells of a 6-inch matrix are under half an inch.
	maxCellValues = 12
	// maxVectorCells is the most classes drawn as one rectangle per cell;
	// beyond it the matrix is one image (SVG stays small at 5000 classes).
	maxVectorCells = 60
	// maxImageSide bounds that image: larger matrices are pooled in blocks.
	maxImageSide = 500
	// imagePixels is about the side of the image in pixels: each cell is a
	// square of whole pixels, so that scaling it to the panel blurs only
	// the cells' edges.
	imagePixels = 1000
)

// Confusion draws a confusion matrix as a heat map: true classes down (the
// first at the top), predicted classes across, counts[t][p] images of class
// t predicted as p. rowNormalise shows each true class's row as shares of
// its images (the diagonal is the per-class recall). With few classes the
// axes carry names (names may be nil: numbers) and the cells their values;
// with many, the matrix is an image pooled by block maximum, so that a
// strong confusion or the diagonal stays visible at any size.
func Confusion(title string, names []string, counts [][]int, rowNormalise bool) (*plotpng.Figure, error) {
	n := len(counts)
	if n == 0 {
		return nil, fmt.Errorf("report: %q: an empty confusion matrix", title)
	}
	if names != nil && len(names) != n {
		return nil, fmt.Errorf("report: %q: %d names for %d classes", title, len(names), n)
	}
	cells := make([][]float64, n)
	for t, row := range counts {
		if len(row) != n {
			return nil, fmt.Errorf("report: %q: row %d has %d columns, want %d", title, t, len(row), n)
		}
		total := 0
		for _, c := range row {
			total += c
		}
		cells[t] = make([]float64, n)
		for p, c := range row {
			cells[t][p] = float64(c)
			if rowNormalise && total > 0 {
				cells[t][p] /= float64(total)
			}
		}
	}
	grid := newMatrixGrid(cells)
	top := math.Max(grid.max, 1e-9)
	if rowNormalise {
		top = 1
	}
	dark, err := moreland.NewLuminance([]color.Color{color.RGBA{8, 48, 107, 255}, color.RGBA{247, 251, 255, 255}})
	if err != nil {
		return nil, err
	}
	cmap := palette.Reverse(dark) // white for none, dark blue for the most
	cmap.SetMin(0)
	cmap.SetMax(top)
	var plotters []plot.Plotter
	if grid.side <= maxVectorCells {
		heat := plotter.NewHeatMap(grid, cmap.Palette(256))
		heat.Min, heat.Max = 0, top
		plotters = append(plotters, heat)
	} else {
		plotters = append(plotters, grid.image(cmap))
	}
	format := plotpng.Count
	if rowNormalise {
		format = plotpng.Percent
	}
	if n <= maxCellValues {
		plotters = append(plotters, cellValues(grid, format, top)...)
	}
	across, down := names, names
	if names != nil && n <= plotpng.MaxNames {
		down = make([]string, n) // grid row r is true class n-1-r
		for r := range down {
			down[r] = names[n-1-r]
		}
	}
	side := vg.Length(math.Min(6, 3.5+0.1*float64(n))) * vg.Inch
	value := "images"
	if rowNormalise {
		value = "share of the true class"
	}
	return &plotpng.Figure{
		Width: side + 1.6*vg.Inch, Height: side + 0.4*vg.Inch,
		Panels: []plotpng.Panel{{Title: title, NoGrid: true, Plotters: plotters,
			X: plotpng.Axis{Label: "predicted class", Names: across, Min: -0.5, Max: float64(n) - 0.5, Tight: true, Ticks: classTicks(across, n, false)},
			Y: plotpng.Axis{Label: "true class", Names: down, Min: -0.5, Max: float64(n) - 0.5, Tight: true, Ticks: classTicks(down, n, true)},
		}},
		Side: &plotpng.Panel{NoGrid: true, Plotters: []plot.Plotter{&plotter.ColorBar{ColorMap: cmap, Vertical: true}},
			X: plotpng.Axis{Hide: true},
			Y: plotpng.Axis{Label: value, Format: format, Min: 0, Max: top, Tight: true}},
		SideWidth: 1 * vg.Inch,
	}, nil
}

// classTicks numbers the classes of an axis with too many for names; on the
// true-class axis, drawn top down, position r is class n-1-r. Nil (the
// axis's own names) when the names are written.
func classTicks(names []string, n int, down bool) plot.Ticker {
	if names != nil && n <= plotpng.MaxNames {
		return nil
	}
	return classNumbers{n: n, down: down}
}

type classNumbers struct {
	n    int
	down bool
}

func (c classNumbers) Ticks(lo, hi float64) []plot.Tick {
	step := math.Max(1, plotpng.LinearTicks{Format: plotpng.Count}.Step(0, float64(c.n-1)))
	var ticks []plot.Tick
	for class := 0.0; class < float64(c.n); class += step {
		at := class
		if c.down {
			at = float64(c.n-1) - class
		}
		ticks = append(ticks, plot.Tick{Value: at, Label: plotpng.Count.Label(class, 1)})
	}
	return ticks
}

// matrixGrid is a square matrix as a heat-map grid, row 0 at the bottom (so
// the first true class is drawn at the top), pooled to at most
// maxImageSide cells a side by block maximum. The last block may cover
// fewer classes; its cell then reaches past the axis by under a block.
type matrixGrid struct {
	cells [][]float64 // [true][pred], pooled
	side  int
	block int // classes per cell
	n     int
	max   float64
}

func newMatrixGrid(m [][]float64) *matrixGrid {
	n := len(m)
	block := (n + maxImageSide - 1) / maxImageSide
	side := (n + block - 1) / block
	g := &matrixGrid{side: side, block: block, n: n, cells: make([][]float64, side)}
	for i := range g.cells {
		g.cells[i] = make([]float64, side)
	}
	for t, row := range m {
		for p, v := range row {
			c := &g.cells[t/block][p/block]
			*c = math.Max(*c, v)
			g.max = math.Max(g.max, v)
		}
	}
	return g
}

func (g *matrixGrid) Dims() (c, r int)   { return g.side, g.side }
func (g *matrixGrid) Z(c, r int) float64 { return g.cells[g.side-1-r][c] }
func (g *matrixGrid) X(c int) float64    { return g.centre(c) }
func (g *matrixGrid) Y(r int) float64    { return g.centre(r) }

// centre is the class position of a pooled cell's middle.
func (g *matrixGrid) centre(i int) float64 {
	return float64(i*g.block) + float64(g.block-1)/2
}

// image draws the grid as an image, each cell a square of whole pixels.
func (g *matrixGrid) image(cmap palette.ColorMap) *plotter.Image {
	px := max(1, imagePixels/g.side)
	img := image.NewRGBA(image.Rect(0, 0, g.side*px, g.side*px))
	for t, row := range g.cells { // image rows run down, like the true classes
		for p, v := range row {
			c, err := cmap.At(v)
			if err != nil {
				c = color.White // outside the map's range: cannot happen, values are in [0, top]
			}
			draw.Draw(img, image.Rect(p*px, t*px, (p+1)*px, (t+1)*px), image.NewUniform(c), image.Point{}, draw.Src)
		}
	}
	lo, hi := g.centre(0)-float64(g.block)/2, g.centre(g.side-1)+float64(g.block)/2
	return plotter.NewImage(img, lo, lo, hi, hi)
}

// cellValues writes each cell's value in it, white on dark cells.
func cellValues(g *matrixGrid, format plotpng.Format, top float64) []plot.Plotter {
	var light, dark plotter.XYLabels
	for t := range g.side {
		for p := range g.side {
			v := g.cells[t][p]
			at := plotter.XY{X: float64(p), Y: float64(g.side - 1 - t)}
			text := format.Label(v, 1) // whole images
			if format == plotpng.Percent {
				text = format.Label(v, 0.01)
			}
			if v > 0.55*top {
				dark.XYs, dark.Labels = append(dark.XYs, at), append(dark.Labels, text)
			} else {
				light.XYs, light.Labels = append(light.XYs, at), append(light.Labels, text)
			}
		}
	}
	var out []plot.Plotter
	for _, set := range []struct {
		labels plotter.XYLabels
		colour color.Color
	}{{light, color.Black}, {dark, color.White}} {
		if len(set.labels.XYs) == 0 {
			continue
		}
		l, err := plotter.NewLabels(set.labels)
		if err != nil {
			continue // cannot happen: one label per cell
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(8)
			l.TextStyle[i].Color = set.colour
			l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = vgdraw.XCenter, vgdraw.YCenter
		}
		out = append(out, l)
	}
	return out
}
