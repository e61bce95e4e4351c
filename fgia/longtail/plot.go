package longtail

import (
	"fmt"

	"gonum.org/v1/plot/vg"

	"github.com/fgia/fgia/fgia/plotpng"
)

// Series is one named class-count vector to draw.
type Series struct {
	Name   string
	Counts []int
}

// FrequencyPlot draws class counts with the classes ordered from the most to
// the least frequent in the first series (the long-tail curve), every series
// in that order so that a class keeps its place; on a log scale when the
// counts span more than a factor of 10 (an empty class is drawn at 1). With
// at most plotpng.MaxNames classes the x axis names them (names may be nil:
// ranks).
func FrequencyPlot(title string, names []string, series ...Series) (*plotpng.Figure, error) {
	if len(series) == 0 || len(series[0].Counts) == 0 {
		return nil, fmt.Errorf("longtail: %q: no class counts to draw", title)
	}
	n := len(series[0].Counts)
	if names != nil && len(names) != n {
		return nil, fmt.Errorf("longtail: %q: %d names for %d classes", title, len(names), n)
	}
	order := ByFrequency(series[0].Counts)
	x := plotpng.Axis{Label: "class rank (most frequent first)", Format: plotpng.Count}
	rank := 1.0
	if len(names) > 0 && len(names) <= plotpng.MaxNames {
		x = plotpng.Axis{Label: "class (most frequent first)"}
		for _, c := range order {
			x.Names = append(x.Names, names[c])
		}
		rank = 0
	}
	lines := make([]plotpng.Series, len(series))
	lo, hi := 0, 0
	for k, s := range series {
		if len(s.Counts) != n {
			return nil, fmt.Errorf("longtail: %q: series %q has %d classes, want %d", title, s.Name, len(s.Counts), n)
		}
		lines[k].Name = s.Name
		for i, c := range order {
			v := s.Counts[c]
			lines[k].X, lines[k].Y = append(lines[k].X, rank+float64(i)), append(lines[k].Y, float64(max(v, 1)))
			if v > 0 && (lo == 0 || v < lo) {
				lo = v
			}
			hi = max(hi, v)
		}
	}
	plotters, legend, err := plotpng.Lines(lines)
	if err != nil {
		return nil, fmt.Errorf("longtail: %q: %w", title, err)
	}
	y := plotpng.Axis{Label: "images", Format: plotpng.Count, Log: lo > 0 && hi > 10*lo}
	return &plotpng.Figure{Width: 7 * vg.Inch, Height: 4 * vg.Inch, Legend: legend,
		Panels: []plotpng.Panel{{Title: title, X: x, Y: y, Plotters: plotters}}}, nil
}
