package nb

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"

	"github.com/fgia/fgia/fgia/plotpng"
)

// Every display function ends with gonbui.Sync: without it, output sent
// just before a cell's process exits was now and then lost. Outside a
// notebook (a test, a script) they print text to stdout instead.

// Markdown shows Markdown text.
func Markdown(text string) { show(gonbui.DisplayMarkdown, text) }

// Markdownf shows fmt.Sprintf(format, args...) as Markdown.
func Markdownf(format string, args ...any) { Markdown(fmt.Sprintf(format, args...)) }

// HTML shows an HTML fragment.
func HTML(fragment string) { show(gonbui.DisplayHTML, fragment) }

// show displays text with a gonbui function, or prints it outside a
// notebook.
func show(display func(string), text string) {
	open()
	if !gonbui.IsNotebook {
		fmt.Println(text)
		return
	}
	display(text)
	gonbui.Sync()
}

// Figure shows a figure as its PNG (drawn at plotpng.Scale) at its nominal
// size, or stops the cell on err: `nb.Figure(report.Lines(...))`.
func Figure(fig *plotpng.Figure, err error) {
	Check(err)
	b, err := fig.PNG()
	Check(err)
	alt := fig.Title
	if alt == "" && len(fig.Panels) > 0 {
		alt = fig.Panels[0].Title
	}
	Check(showPNG(b, plotpng.Scale, alt))
}

// Plot shows a PNG file that fgia drew at its nominal size: a PNG with an
// SVG beside it was drawn at plotpng.Scale (fgia writes both since its
// figures became 2x), an older one alone at 1x. A missing file is an error
// naming it.
func Plot(path string) {
	open()
	b, err := os.ReadFile(path)
	Check(err)
	Check(showPNG(b, plotScale(path), Rel(path)))
}

// plotScale is the pixels a point of a PNG that fgia drew.
func plotScale(path string) int {
	if exists(strings.TrimSuffix(path, filepath.Ext(path)) + ".svg") {
		return plotpng.Scale
	}
	return 1
}

// PNG shows PNG bytes at their pixel size, or stops the cell on err.
func PNG(b []byte, err error) {
	Check(err)
	Check(showPNG(b, 1, "image"))
}

// showPNG sends an image/png output whose displayed size is its pixel size
// divided by scale (the "width"/"height" image metadata Jupyter reads), so
// that a 2x figure is sharp without being twice as large.
func showPNG(b []byte, scale int, alt string) error {
	open()
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("nb: %s is not a PNG: %w", alt, err)
	}
	if !gonbui.IsNotebook {
		fmt.Printf("[image %s: %dx%d]\n", alt, cfg.Width, cfg.Height)
		return nil
	}
	gonbui.SendData(&protocol.DisplayData{
		Data: map[protocol.MIMEType]any{protocol.MIMEImagePNG: b, protocol.MIMETextPlain: alt},
		// map[string]int is one of the types gonbui registers with gob, so
		// the kernel decodes it.
		Metadata: map[string]any{string(protocol.MIMEImagePNG): map[string]int{"width": cfg.Width / scale, "height": cfg.Height / scale}},
	})
	gonbui.Sync()
	return nil
}
