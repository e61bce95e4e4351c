package plotpng

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/fgia/fgia/fgia/atomicfile"
)

// Scale is the pixel density of a figure's PNG relative to DPI: a figure 7
// inches wide is 1344 pixels, sharp on high-density screens and in print.
const Scale = 2

const (
	margin = 6 * vg.Length(1)  // points of white around everything: nothing touches the edge
	gap    = 12 * vg.Length(1) // points between panels, and between the panels and the legend
)

// Figure is a row of panels with aligned data areas and, to their right,
// outside every data area, either a legend or a side panel (a colour bar).
// It renders as PNG at Scale times DPI and as SVG. Panels are rebuilt at
// every rendering, so a Figure can be drawn any number of times.
type Figure struct {
	Width, Height vg.Length // nominal size
	Title         string    // above every panel (each panel may have its own)
	Panels        []Panel
	Legend        []LegendEntry
	// Side is drawn in a strip SideWidth wide right of the panels, as tall
	// as their data areas; it replaces the legend.
	Side      *Panel
	SideWidth vg.Length
}

// Panel is one plot of a figure: its axes and what it draws.
type Panel struct {
	Title    string
	X, Y     Axis
	Plotters []plot.Plotter
	NoGrid   bool
}

// LegendEntry is one line of a figure's legend.
type LegendEntry struct {
	Name   string
	Thumbs []plot.Thumbnailer
}

// Layout is where a figure draws, in points from the lower left corner.
type Layout struct {
	Canvas vg.Rectangle
	Data   []vg.Rectangle // each panel's data area
	Legend vg.Rectangle   // empty without a legend
	Side   vg.Rectangle   // empty without a side panel
}

// arrangement is a figure's plots and the canvases they draw in.
type arrangement struct {
	plots    []*plot.Plot
	canvases []draw.Canvas
	side     *plot.Plot
	legend   plot.Legend
	layout   Layout
	// title is the top centre of the figure's title, in titleStyle.
	title      vg.Point
	titleStyle text.Style
}

// Layout computes where the figure draws at its nominal size.
func (f *Figure) Layout() (Layout, error) {
	a, err := f.arrange(draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: f.Width, Y: f.Height}}})
	if err != nil {
		return Layout{}, err
	}
	return a.layout, nil
}

// Draw draws the figure on c.
func (f *Figure) Draw(c draw.Canvas) error {
	a, err := f.arrange(c)
	if err != nil {
		return err
	}
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	if f.Title != "" {
		c.FillText(a.titleStyle, a.title, f.Title)
	}
	for i, p := range a.plots {
		p.Draw(a.canvases[i])
	}
	if a.side != nil {
		a.side.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: a.layout.Side})
	}
	if l := a.layout.Legend; l.Size().X > 0 {
		a.legend.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: l})
	}
	return nil
}

func (f *Figure) arrange(c draw.Canvas) (*arrangement, error) {
	if len(f.Panels) == 0 {
		return nil, fmt.Errorf("plotpng: a figure without panels")
	}
	a := &arrangement{legend: newLegend(f.Legend)}
	inner := draw.Crop(c, margin, -margin, margin, -margin)
	if f.Title != "" {
		a.titleStyle = plot.New().Title.TextStyle
		a.titleStyle.Font.Size = vg.Points(13)
		a.title = vg.Point{X: inner.Center().X, Y: inner.Max.Y} // the title hangs from its top
		inner.Max.Y -= a.titleStyle.Rectangle(f.Title).Size().Y + vg.Points(6)
	}
	var aside vg.Length
	switch {
	case f.Side != nil:
		aside = gap + f.SideWidth
	case len(f.Legend) > 0:
		aside = gap + a.legend.Rectangle(inner).Size().X
	}
	area := draw.Crop(inner, 0, -aside, 0, 0)
	panelWidth := (area.Size().X - gap*vg.Length(len(f.Panels)-1)) / vg.Length(len(f.Panels))
	for _, p := range f.Panels {
		built, err := p.build(panelWidth)
		if err != nil {
			return nil, err
		}
		a.plots = append(a.plots, built)
	}
	if len(a.plots) == 1 {
		a.canvases = []draw.Canvas{area}
	} else {
		a.canvases = plot.Align([][]*plot.Plot{a.plots}, draw.Tiles{Rows: 1, Cols: len(a.plots), PadX: gap}, area)[0]
	}
	a.layout.Canvas = c.Rectangle
	for i, p := range a.plots {
		a.layout.Data = append(a.layout.Data, p.DataCanvas(a.canvases[i]).Rectangle)
	}
	data := a.layout.Data[0]
	strip := vg.Rectangle{Min: vg.Point{X: area.Max.X + gap, Y: data.Min.Y}, Max: vg.Point{X: inner.Max.X, Y: data.Max.Y}}
	switch {
	case f.Side != nil:
		side, err := f.Side.build(f.SideWidth)
		if err != nil {
			return nil, err
		}
		a.side, a.layout.Side = side, strip
	case len(f.Legend) > 0:
		size := a.legend.Rectangle(inner).Size()
		a.layout.Legend = vg.Rectangle{Min: vg.Point{X: strip.Min.X, Y: strip.Max.Y - size.Y}, Max: vg.Point{X: strip.Min.X + size.X, Y: strip.Max.Y}}
	}
	return a, nil
}

// newLegend is the legend of entries, its icons on the left, 10 pt.
func newLegend(entries []LegendEntry) plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font.Size = vg.Points(10)
	l.Left, l.Top, l.Padding = true, true, vg.Points(3)
	for _, e := range entries {
		l.Add(e.Name, e.Thumbs...)
	}
	return l
}

// build makes the panel's plot for a canvas width wide.
func (p Panel) build(width vg.Length) (*plot.Plot, error) {
	pl := plot.New()
	pl.Title.Text = p.Title
	pl.Title.Padding = vg.Points(6)
	if !p.NoGrid {
		grid := plotter.NewGrid()
		grid.Vertical.Color, grid.Horizontal.Color = color.Gray{Y: 225}, color.Gray{Y: 225}
		pl.Add(grid)
	}
	pl.Add(p.Plotters...)
	for _, ax := range []struct {
		spec Axis
		axis *plot.Axis
	}{{p.X, &pl.X}, {p.Y, &pl.Y}} {
		lo := ax.axis.Min
		if ax.spec.Min < ax.spec.Max {
			lo = ax.spec.Min
		}
		if ax.spec.Log && !ax.spec.named() && !(lo > 0) {
			return nil, fmt.Errorf("plotpng: panel %q: log axis %q has values <= 0", p.Title, ax.spec.Label)
		}
		ax.spec.apply(ax.axis)
	}
	p.X.rotateNames(&pl.X, width)
	if p.X.Hide {
		pl.HideX()
	}
	if p.Y.Hide {
		pl.HideY()
	}
	return pl, nil
}

// PNG renders the figure at Scale times DPI.
func (f *Figure) PNG() ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(Scale*DPI))
	if err := f.Draw(draw.New(c)); err != nil {
		return nil, err
	}
	return Encode(c)
}

// SVG renders the figure as an SVG document with its font embedded (about
// 530 KB): text is laid out with Liberation's metrics, and a viewer without
// Liberation (a browser here fell back to the wider DejaVu) overflowed titles
// and legends. Should a viewer refuse embedded fonts, each Liberation face
// falls back to the face it is metrically compatible with.
func (f *Figure) SVG() ([]byte, error) {
	c := vgsvg.NewWith(vgsvg.UseWH(f.Width, f.Height), vgsvg.EmbedFonts(true))
	if err := f.Draw(draw.New(c)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return []byte(svgFixes.Replace(b.String())), nil
}

// svgFixes adds font fallbacks, and lets images (a colour bar, a large
// confusion matrix) stretch to their rectangle as they do in the PNG: by
// default SVG keeps an image's aspect ratio, which drew a 1-pixel-wide
// colour bar as a hairline.
var svgFixes = strings.NewReplacer(
	"<image ", `<image preserveAspectRatio="none" `,
	"font-family:Liberation Serif;", "font-family:'Liberation Serif','Times New Roman',Times,serif;",
	"font-family:Liberation Sans;", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;",
	"font-family:Liberation Mono;", "font-family:'Liberation Mono','Courier New',Courier,monospace;",
)

// Save writes dir/base.png and dir/base.svg, each atomically; nothing is
// written when either fails to render.
func (f *Figure) Save(dir, base string) error {
	png, err := f.PNG()
	if err != nil {
		return fmt.Errorf("%s.png: %w", base, err)
	}
	svg, err := f.SVG()
	if err != nil {
		return fmt.Errorf("%s.svg: %w", base, err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, base+".png"), png); err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, base+".svg"), svg)
}
