// Package plotpng renders gonum plots as the kit's figures: a Figure is a
// row of panels with a legend outside the data, drawn as PNG at twice the
// nominal resolution and as SVG, with one palette, one set of tick formats
// (plain, counts with thousands separators, whole percent) and log axes
// that always carry readable labels. Render and Encode draw a bare plot to
// PNG bytes, for pictures that are data rather than figures.
package plotpng

import (
	"bytes"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// DPI is the nominal resolution of the kit's figures: a figure W inches wide
// is W*DPI pixels at 1x.
const DPI = 96

// Render draws p on a w x h canvas at dpi and encodes it as PNG.
func Render(p *plot.Plot, w, h vg.Length, dpi int) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	p.Draw(draw.New(c))
	return Encode(c)
}

// Encode encodes a drawn canvas as PNG.
func Encode(c *vgimg.Canvas) ([]byte, error) {
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
