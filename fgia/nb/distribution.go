package nb

import (
	"fmt"

	"github.com/fgia/fgia/fgia/bootstrap"
	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/report"
)

// Probabilities reads a prediction file as probabilities
// (predict.ReadProbabilities).
func Probabilities(path string) (*predict.Matrix, error) { return predict.ReadProbabilities(path) }

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
	order := longtail.ByFrequency(trainCounts)
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

// PairedInterval is the 95% bootstrap interval of top-1(a) - top-1(b), two
// labellings of the same images scored against truth (-1: no label) on the
// same resampled images, as fgia reproduce bounds its deltas.
func PairedInterval(a, b, truth []int32) (bootstrap.Interval, error) {
	if len(a) != len(truth) || len(b) != len(truth) {
		return bootstrap.Interval{}, fmt.Errorf("nb: paired interval of %d and %d labels for %d images", len(a), len(b), len(truth))
	}
	var ca, cb []bool
	for i, y := range truth {
		if y >= 0 {
			ca, cb = append(ca, a[i] == y), append(cb, b[i] == y)
		}
	}
	return bootstrap.NewSampler(len(ca), bootstrap.Resamples, 1).Delta(bootstrap.Correct{ca}, bootstrap.Correct{cb})
}
