package plotpng

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// lineFigure is a figure of series in as many panels as given, with a
// legend.
func lineFigure(t *testing.T, x, y Axis, panels ...[]Series) *Figure {
	t.Helper()
	f := &Figure{Width: 7 * vg.Inch, Height: 4 * vg.Inch}
	for _, series := range panels {
		plotters, legend, err := Lines(series)
		if err != nil {
			t.Fatal(err)
		}
		f.Panels, f.Legend = append(f.Panels, Panel{Title: "panel", X: x, Y: y, Plotters: plotters}), legend
	}
	return f
}

var classNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

func TestFigureRenders(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	counts := []float64{5800, 3500, 2100, 1300, 800, 520, 340, 230, 180, 150}
	share := []float64{0.77, 0.64, 0.70, 0.95, 0.9, 0.91, 0.91, 0.78, 0.25, 1}
	for _, c := range []struct {
		name  string
		fig   *Figure
		texts []string // in the SVG
	}{
		{"lines with a reference, class names", lineFigure(t, Axis{Label: "class", Names: classNames}, Axis{Label: "images", Format: Count},
			[]Series{{Name: "before", X: xs, Y: counts}, {Name: "uniform target", X: []float64{0, 9}, Y: []float64{600, 600}, Dashed: true}}),
			[]string{"before", "uniform target", "Ankle boot", "5,000"}},
		{"log axis", lineFigure(t, Axis{Label: "rank", Format: Count}, Axis{Label: "images", Format: Count, Log: true},
			[]Series{{Name: "listed", X: xs, Y: counts}}), []string{"listed", "200", "500", "1,000", "2,000"}},
		{"two panels, percent", lineFigure(t, Axis{Label: "step", Format: Count}, Axis{Label: "top-1", Format: Percent, Min: 0, Max: 1},
			[]Series{{Name: "a", X: xs, Y: share}}, []Series{{Name: "a", X: xs, Y: share}}), []string{"100%", "top-1"}},
		{"side panel (a colour bar)", colourBarFigure(t), []string{"share", "100%"}},
		{"titled figure, many points", lineFigure(t, Axis{Label: "x"}, Axis{Label: "y"},
			[]Series{{Name: "long", X: make([]float64, 500), Y: make([]float64, 500)}}), []string{"long"}},
	} {
		c.fig.Title = "title <&> of " + c.name
		b, err := c.fig.PNG()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: PNG: %v", c.name, err)
		}
		w, h := int(float64(c.fig.Width/vg.Inch)*Scale*DPI+0.5), int(float64(c.fig.Height/vg.Inch)*Scale*DPI+0.5)
		if img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Errorf("%s: PNG is %v, want %dx%d (twice %v x %v at %d dpi)", c.name, img.Bounds().Size(), w, h, c.fig.Width, c.fig.Height, DPI)
		}
		if x, y, ok := inkOnBorder(img, 4); ok {
			t.Errorf("%s: ink at (%d, %d), within 4 pixels of the edge: something is clipped", c.name, x, y)
		}
		svg, err := c.fig.SVG()
		if err != nil {
			t.Fatalf("%s: SVG: %v", c.name, err)
		}
		if !bytes.Contains(svg, []byte("@font-face")) {
			t.Errorf("%s: the SVG does not embed its font", c.name)
		}
		if n, fixed := bytes.Count(svg, []byte("<image ")), bytes.Count(svg, []byte(`<image preserveAspectRatio="none" `)); n != fixed {
			t.Errorf("%s: %d of %d images keep their aspect ratio instead of filling their rectangle", c.name, n-fixed, n)
		}
		texts, err := SVGTexts(svg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, want := range append(c.texts, c.fig.Title) {
			if !slices.Contains(texts, want) {
				t.Errorf("%s: the SVG does not write %q", c.name, want)
			}
		}
		checkLayout(t, c.name, c.fig)
	}
}

// colourBarFigure is a scatter with a colour bar beside it.
func colourBarFigure(t *testing.T) *Figure {
	t.Helper()
	cmap := moreland.Kindlmann()
	cmap.SetMin(0)
	cmap.SetMax(1)
	s, err := plotter.NewScatter(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return &Figure{Width: 6 * vg.Inch, Height: 5 * vg.Inch, Panels: []Panel{{X: Axis{Label: "x"}, Y: Axis{Label: "y"}, Plotters: []plot.Plotter{s}}},
		Side: &Panel{NoGrid: true, Plotters: []plot.Plotter{&plotter.ColorBar{ColorMap: cmap, Vertical: true}},
			X: Axis{Hide: true}, Y: Axis{Label: "share", Format: Percent, Min: 0, Max: 1, Tight: true}},
		SideWidth: vg.Inch}
}

// inkOnBorder finds a pixel that is not white within d pixels of the edge.
func inkOnBorder(img image.Image, d int) (int, int, bool) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if x >= b.Min.X+d && x < b.Max.X-d && y >= b.Min.Y+d && y < b.Max.Y-d {
				continue
			}
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				return x, y, true
			}
		}
	}
	return 0, 0, false
}

// checkLayout asserts that the legend and the side panel lie inside the
// canvas and outside every data area.
func checkLayout(t *testing.T, name string, f *Figure) {
	t.Helper()
	l, err := f.Layout()
	if err != nil {
		t.Fatalf("%s: layout: %v", name, err)
	}
	for _, r := range append([]vg.Rectangle{l.Legend, l.Side}, l.Data...) {
		if r.Size().X == 0 {
			continue
		}
		if r.Min.X < l.Canvas.Min.X || r.Min.Y < l.Canvas.Min.Y || r.Max.X > l.Canvas.Max.X || r.Max.Y > l.Canvas.Max.Y {
			t.Errorf("%s: %v is not inside the canvas %v", name, r, l.Canvas)
		}
	}
	for _, aside := range []vg.Rectangle{l.Legend, l.Side} {
		for _, d := range l.Data {
			if aside.Size().X > 0 && overlap(aside, d) {
				t.Errorf("%s: %v overlaps the data area %v", name, aside, d)
			}
		}
	}
	if len(f.Legend) > 0 && l.Legend.Size().X == 0 {
		t.Errorf("%s: a legend without a place", name)
	}
}

func overlap(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

func TestPanelPadsData(t *testing.T) {
	for _, c := range []struct {
		name   string
		axis   Axis
		lo, hi float64
	}{
		{"linear", Axis{}, 3, 17},
		{"log", Axis{Log: true}, 150, 5800},
		{"fixed accuracy range", Axis{Format: Percent, Min: 0, Max: 1}, 0, 1},
		{"one value", Axis{}, 5, 5},
	} {
		xy := plotter.XYs{{X: c.lo, Y: c.lo}, {X: c.hi, Y: c.hi}}
		s, _ := plotter.NewScatter(xy)
		p, err := Panel{X: c.axis, Y: c.axis, Plotters: []plot.Plotter{s}}.build(5 * vg.Inch)
		if err != nil {
			t.Fatal(err)
		}
		for _, ax := range []plot.Axis{p.X, p.Y} {
			if !(ax.Min < c.lo && ax.Max > c.hi) {
				t.Errorf("%s: range [%v, %v] leaves no room around the data [%v, %v]", c.name, ax.Min, ax.Max, c.lo, c.hi)
			}
		}
	}
	tight, _ := Panel{X: Axis{Min: -0.5, Max: 9.5, Tight: true}}.build(5 * vg.Inch)
	if tight.X.Min != -0.5 || tight.X.Max != 9.5 {
		t.Errorf("a tight axis was padded to [%v, %v]", tight.X.Min, tight.X.Max)
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	f := lineFigure(t, Axis{}, Axis{}, []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{1, 2}}})
	if err := f.Save(dir, "plot"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"plot.png", "plot.svg"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := lineFigure(t, Axis{}, Axis{Label: "count", Log: true}, []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{0, 2}}})
	err := bad.Save(dir, "bad")
	if err == nil || !strings.Contains(err.Error(), `"count"`) {
		t.Errorf("a log axis with a zero: %v, want an error naming the axis", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "bad*")); len(matches) > 0 {
		t.Errorf("a failed figure left %v", matches)
	}
}

func TestHTML(t *testing.T) {
	f := lineFigure(t, Axis{}, Axis{}, []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{1, 2}}})
	f.Title = `a "quoted" <title>`
	got, err := f.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<img src="data:image/png;base64,`, `width="672" height="384"`, `alt="a &#34;quoted&#34; &lt;title&gt;"`} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML does not contain %s: %.120s...", want, got)
		}
	}
	if _, err := HTML([]byte("not a png"), ""); err == nil {
		t.Error("HTML wrapped bytes that are not a PNG")
	}
}

func TestSVGTexts(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      []string
		fails     bool
	}{
		{"texts in order", `<svg><text>b</text><g><text> a &amp; c </text></g></svg>`, []string{"b", "a & c"}, false},
		{"not XML", `<svg><text>b</svg>`, nil, true},
		{"not SVG", `<html><p>b</p></html>`, nil, true},
	} {
		got, err := SVGTexts([]byte(c.doc))
		if (err != nil) != c.fails || !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, %v", c.name, got, err)
		}
	}
}
