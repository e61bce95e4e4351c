package plotpng

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// SVGTexts parses an SVG document and lists the texts it writes, in
// document order, trimmed: what a reader of the figure sees written (and
// what tests check a figure for). An error when the document is not XML or
// not SVG.
func SVGTexts(doc []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var texts []string
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("plotpng: SVG: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" && root != "" {
				texts = append(texts, s)
			}
		}
	}
	if root != "svg" {
		return nil, fmt.Errorf("plotpng: the document's root is <%s>, not <svg>", root)
	}
	return texts, nil
}
