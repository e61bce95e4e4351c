package report

import (
	"bytes"
	"image/png"
	"testing"
)

func TestCharts(t *testing.T) {
	lines, err := LinesPNG("t", "x", "y", []Series{{Name: "a", X: []float64{1, 2, 3}, Y: []float64{3, 1, 2}}, {Name: "empty"}})
	if err != nil {
		t.Fatal(err)
	}
	bars, err := BarsPNG("t", "y", []string{"baseline", "clean"}, []float64{0.5, 0.6})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{lines, bars} {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() < 500 {
			t.Fatalf("not a chart: %v", err)
		}
	}
	if _, err := LinesPNG("t", "x", "y", []Series{{Name: "bad", X: []float64{1}}}); err == nil {
		t.Error("a series with more x than y values was drawn")
	}
	if _, err := BarsPNG("t", "y", []string{"a"}, nil); err == nil {
		t.Error("bars without values were drawn")
	}
}
