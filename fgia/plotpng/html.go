package plotpng

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image/png"
)

// HTML is an <img> element that shows a PNG of this package (drawn at Scale
// times DPI) at its nominal size, so that it is sharp on a high-density
// screen without being twice as large: the form notebooks display
// (gonbui.DisplayHTML), where a bare PNG shows at its pixel size.
func HTML(pngBytes []byte, alt string) (string, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(pngBytes))
	if err != nil {
		return "", fmt.Errorf("plotpng: not a PNG: %w", err)
	}
	return fmt.Sprintf(`<img src="data:image/png;base64,%s" width="%d" height="%d" alt="%s">`,
		base64.StdEncoding.EncodeToString(pngBytes), cfg.Width/Scale, cfg.Height/Scale, html.EscapeString(alt)), nil
}

// HTML renders the figure as PNG and wraps it for a notebook (see HTML).
func (f *Figure) HTML() (string, error) {
	b, err := f.PNG()
	if err != nil {
		return "", err
	}
	alt := f.Title
	if alt == "" {
		alt = f.Panels[0].Title
	}
	return HTML(b, alt)
}
