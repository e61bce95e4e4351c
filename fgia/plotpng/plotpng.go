// Package plotpng renders gonum plots to PNG bytes, the form notebooks
// display (gonbui.DisplayPNG) and reports store.
package plotpng

import (
	"bytes"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// DPI is the resolution of the kit's plots.
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
