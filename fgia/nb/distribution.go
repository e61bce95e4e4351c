package nb

import (
	"fmt"
	"slices"

	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/report"
)

// Probabilities reads a prediction file as probabilities (the softmax of
// its logits; an ensemble's logits are log P, so it reads the same way).
func Probabilities(path string) (*predict.Matrix, error) {
	m, err := predict.ReadMatrix(path)
	if err != nil {
		return nil, err
	}
	m.Softmax()
	return m, nil
}

// ByFrequency lists the classes from the most to the least frequent in
// training (ties in class order).
func ByFrequency(counts []int) []int {
	order := make([]int, len(counts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return counts[b] - counts[a] })
	return order
}

// Labeling is one labelling of a test split (an argmax, a re-distribution)
// to compare with others.
type Labeling struct {
	Name   string
	Labels []int32
}

// PerClass counts a labelling's images per class.
func (l Labeling) PerClass(classes int) []int {
	out := make([]int, classes)
	for _, y := range l.Labels {
		if y >= 0 && int(y) < classes {
			out[y]++
		}
	}
	return out
}

// Distribution draws the images each labelling puts in each class, the
// classes by training frequency (most frequent first, named), against the
// uniform target N/C (dashed): what re-distribution changes on a uniform
// test split.
func Distribution(title string, names []string, trainCounts []int, labelings []Labeling) (*plotpng.Figure, error) {
	classes := len(trainCounts)
	if len(names) != classes || len(labelings) == 0 {
		return nil, fmt.Errorf("nb: distribution %q: %d names, %d classes, %d labellings", title, len(names), classes, len(labelings))
	}
	order := ByFrequency(trainCounts)
	xs := make([]float64, classes)
	byRank := make([]string, classes)
	for i, c := range order {
		xs[i], byRank[i] = float64(i), names[c]
	}
	var series []plotpng.Series
	for _, l := range labelings {
		counts := l.PerClass(classes)
		ys := make([]float64, classes)
		for i, c := range order {
			ys[i] = float64(counts[c])
		}
		series = append(series, plotpng.Series{Name: l.Name, X: xs, Y: ys})
	}
	u := float64(len(labelings[0].Labels)) / float64(classes)
	series = append(series, plotpng.Series{Name: "uniform target", X: []float64{0, float64(classes - 1)}, Y: []float64{u, u}, Dashed: true})
	return report.Lines(title,
		plotpng.Axis{Label: "class, by training frequency (most frequent first)", Format: plotpng.Count, Names: byRank},
		plotpng.Axis{Label: "predicted images", Format: plotpng.Count}, series)
}
